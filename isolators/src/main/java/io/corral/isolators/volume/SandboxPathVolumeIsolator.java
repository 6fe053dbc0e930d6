package io.corral.isolators.volume;

import io.corral.isolators.Confined;
import io.corral.isolators.ContainerContext;
import io.corral.isolators.Isolator;
import io.corral.isolators.IsolatorException;
import io.corral.isolators.filesystem.LinuxFilesystemIsolator;
import io.corral.isolators.filesystem.MountTable;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.Volume;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code volume/sandbox_path} (Mesos' {@code VolumeSandboxPathIsolatorProcess}): the volumes with
 * {@code source.type = SANDBOX_PATH} of type {@code SELF}, and the legacy ones whose
 * {@code host_path} is relative, are a directory of the container's own sandbox bound onto their
 * target ({@link VolumePlanner}: in the image's rootfs when there is one), in a mount namespace
 * of the container's own; {@link VolumeMounts} says how {@code RO} is made really read-only.
 *
 * <p>The source path is relative, without {@code .} or {@code ..}, and stays in the sandbox
 * once its symlinks are resolved; a missing source directory is created, owned like the sandbox,
 * once every volume of the container has been checked. {@code PARENT} volumes name the sandbox
 * of a parent container: Corral has no nested containers, so they are refused. Unlike Mesos,
 * there is no symlink fallback: the volumes are always bind mounts (Corral's launcher always
 * has mount namespaces). Stateless; any thread.
 */
public final class SandboxPathVolumeIsolator implements Isolator {
  private final String sandboxDirectory;
  private final MountTable hostMounts;

  /** With Mesos' default {@code --sandbox_directory}. */
  public SandboxPathVolumeIsolator() {
    this(LinuxFilesystemIsolator.DEFAULT_SANDBOX_DIRECTORY);
  }

  /** @param sandboxDirectory {@code --sandbox_directory}, as given to {@code filesystem/linux} */
  public SandboxPathVolumeIsolator(String sandboxDirectory) {
    this(sandboxDirectory, MountTable.SELF);
  }

  SandboxPathVolumeIsolator(String sandboxDirectory, MountTable hostMounts) {
    this.sandboxDirectory = sandboxDirectory;
    this.hostMounts = hostMounts;
  }

  @Override
  public String name() {
    return "volume/sandbox_path";
  }

  @Override
  public LaunchPlan prepare(ContainerContext container) {
    Path sandbox = container.sandbox();
    return VolumeMounts.prepare(VolumePlanner.mine(container, sandboxDirectory, name()),
        volume -> source(sandbox, volume), dir -> createLikeSandbox(dir, sandbox), hostMounts);
  }

  private static Path source(Path sandbox, Volume volume) {
    String path = volume.getHostPath();
    if (volume.hasSource()) {
      Volume.Source.SandboxPath sandboxPath = volume.getSource().getSandboxPath();
      switch (sandboxPath.getType()) {
        case SELF:
          break;
        case PARENT:
          throw new IsolatorException("Failed to prepare: SANDBOX_PATH volume '"
              + volume.getContainerPath() + "' of type PARENT needs a parent container, and"
              + " Corral has no nested containers");
        default:
          throw new IsolatorException("Failed to prepare: SANDBOX_PATH volume '"
              + volume.getContainerPath() + "' has an unknown type '" + sandboxPath.getType()
              + "'");
      }
      path = sandboxPath.getPath();
    }
    VolumePlanner.refuseDots(path, "sandbox path");
    if (path.startsWith("/")) {
      throw new IsolatorException("Failed to prepare: volume sandbox path '" + path
          + "' is not relative");
    }
    Path source = sandbox.resolve(path).normalize();
    Confined.check(source, sandbox, "the sandbox", path);
    if (Files.exists(source) && !Files.isDirectory(source)) {
      throw new IsolatorException("Failed to prepare: volume sandbox path '" + path
          + "' is not a directory");
    }
    return source;
  }

  /** A missing source directory, with the sandbox's owner (Mesos chowns it so). */
  private static void createLikeSandbox(Path dir, Path sandbox) {
    if (Files.isDirectory(dir)) {
      return;
    }
    try {
      Path created = Files.createDirectories(dir);
      Object uid = Files.getAttribute(sandbox, "unix:uid");
      Object gid = Files.getAttribute(sandbox, "unix:gid");
      for (Path p = created; p.startsWith(sandbox) && !p.equals(sandbox); p = p.getParent()) {
        Files.setAttribute(p, "unix:uid", uid);
        Files.setAttribute(p, "unix:gid", gid);
      }
    } catch (IOException | RuntimeException e) {
      throw new IsolatorException("Failed to create volume directory '" + dir + "': " + e, e);
    }
  }
}
