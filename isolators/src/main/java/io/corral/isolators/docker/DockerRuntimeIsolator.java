package io.corral.isolators.docker;

import io.corral.isolators.Confined;
import io.corral.isolators.ContainerContext;
import io.corral.isolators.Isolator;
import io.corral.isolators.IsolatorException;
import io.corral.isolators.UserDatabase;
import io.corral.proto.v1.CommandInfo;
import io.corral.proto.v1.ContainerInfo;
import io.corral.proto.v1.ImageConfig;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.ProvisionedRootfs;
import java.nio.file.Path;

/**
 * {@code docker/runtime} (Mesos' {@code DockerRuntimeIsolatorProcess}): for a container launched
 * from an image, the image's config shapes the command. Its fragment carries
 *
 * <ul>
 *   <li>the argv of {@link DockerRuntime#argv} (the containerizer keeps it and takes only the
 *       environment and user from the CommandInfo);
 *   <li>the image's Env ({@link DockerRuntime#environment}), below the CommandInfo's variables;
 *   <li>the image's WorkingDir, when it has one (corral-init creates it in the rootfs, owned by
 *       root, when missing); otherwise {@code filesystem/linux} sets the sandbox;
 *   <li>beyond Mesos, which ignores it: the image's User, unless the CommandInfo names a user,
 *       resolved in the image's own {@code /etc/passwd} and {@code /etc/group}
 *       ({@link ImageUser}).
 * </ul>
 *
 * <p>A container without an image gets an empty fragment. Mesos' {@code --docker_ignore_runtime}
 * is not needed: leave the isolator out of {@code --isolation}. Stateless; any thread.
 */
public final class DockerRuntimeIsolator implements Isolator {

  @Override
  public String name() {
    return "docker/runtime";
  }

  @Override
  public LaunchPlan prepare(ContainerContext container) {
    if (container.rootfs().isEmpty()) {
      return LaunchPlan.getDefaultInstance();
    }
    if (container.launch().getContainer().getType() != ContainerInfo.Type.MESOS) {
      throw new IsolatorException("Failed to prepare: docker/runtime can only prepare a MESOS"
          + " container");
    }
    ProvisionedRootfs rootfs = container.rootfs().get();
    ImageConfig image = rootfs.getConfig();
    CommandInfo command = container.launch().getCommand();
    LaunchPlan.Builder plan = LaunchPlan.newBuilder()
        .addAllArgv(DockerRuntime.argv(command, image))
        .addAllEnvironment(DockerRuntime.environment(image));
    if (!image.getWorkingDir().isEmpty()) {
      plan.setWorkingDirectory(Path.of("/").resolve(image.getWorkingDir()).normalize().toString());
    }
    if (!command.hasUser() && !image.getUser().isEmpty()) {
      Path root = Path.of(rootfs.getRootfs());
      UserDatabase users = new UserDatabase(Confined.file(root, "etc/passwd"),
          Confined.file(root, "etc/group"));
      ImageUser.Ids ids = ImageUser.resolve(image.getUser(), users);
      plan.setUid(ids.uid()).setGid(ids.gid()).addAllSupplementaryGroups(ids.groups());
    }
    return plan.build();
  }
}
