package io.corral.isolators.filesystem;

import io.corral.isolators.Confined;
import io.corral.isolators.ContainerContext;
import io.corral.isolators.Isolator;
import io.corral.isolators.IsolatorException;
import io.corral.proto.v1.ContainerInfo;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.Namespace;
import io.corral.proto.v1.ProvisionedRootfs;
import io.corral.proto.v1.Volume;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code filesystem/linux} (Mesos' {@code LinuxFilesystemIsolatorProcess}): every container gets
 * a mount namespace of its own (a recursive slave of the host's, made so by corral-init), and a
 * container launched from an image gets its provisioned root filesystem as {@code /}:
 *
 * <ul>
 *   <li>the mounts of {@link RootfsMounts} ({@code proc}, {@code sysfs}, {@code /dev} and its
 *       nodes, masked paths, ...), all under the rootfs;
 *   <li>the host sandbox bound recursively at {@code <rootfs><sandbox_directory>} (default
 *       {@link #DEFAULT_SANDBOX_DIRECTORY}), {@code MESOS_SANDBOX} set to the
 *       {@code sandbox_directory}, and the working directory there unless the image names a
 *       {@code WorkingDir} (which {@code docker/runtime} sets);
 *   <li>{@code LaunchPlan.rootfs}, so corral-init pivots into it after the mounts and nothing of
 *       the host's tree stays reachable.
 * </ul>
 *
 * <p>Without an image the container keeps the host's root and runs in its host sandbox, as
 * with {@code filesystem/posix}, in a private mount namespace. Volumes are mounted by
 * {@code volume/host_path}, {@code volume/sandbox_path} and {@code docker/volume}; a volume of another kind (no
 * isolator of Corral handles it) is refused here, and so is one whose isolator is not enabled
 * (see {@link #withVolumeIsolators}).
 *
 * <p>Unlike Mesos, nothing is mounted on the host: no shared {@code --work_dir} (the provisioner
 * unmounts a rootfs only after the container's last process, so no namespace holds it), and the
 * device nodes are the host's own {@code /dev} nodes bound into the container's tmpfs
 * {@code /dev} rather than copies under the runtime directory. The mounts die with the
 * container's mount namespace: there is no cleanup. Stateless; any thread.
 */
public final class LinuxFilesystemIsolator implements Isolator {
  /** Mesos' {@code --sandbox_directory}: where the sandbox appears in an image container. */
  public static final String DEFAULT_SANDBOX_DIRECTORY = "/mnt/mesos/sandbox";

  private final String sandboxDirectory;
  private final List<String> volumeIsolators;

  /** With the default {@code --sandbox_directory} and both volume isolators enabled. */
  public LinuxFilesystemIsolator() {
    this(DEFAULT_SANDBOX_DIRECTORY, List.of("volume/host_path", "volume/sandbox_path"));
  }

  /**
   * @param sandboxDirectory {@code --sandbox_directory}: an absolute path, not {@code /}
   * @param volumeIsolators the volume isolators enabled in {@code --isolation}; a volume that
   *     none of them mounts is refused at prepare
   */
  public LinuxFilesystemIsolator(String sandboxDirectory, List<String> volumeIsolators) {
    if (!sandboxDirectory.startsWith("/") || Path.of(sandboxDirectory).getNameCount() == 0
        || !Path.of(sandboxDirectory).normalize().toString().equals(sandboxDirectory)) {
      throw new IllegalArgumentException("Failed to create isolator 'filesystem/linux':"
          + " --sandbox_directory '" + sandboxDirectory + "' must be a normalized absolute path"
          + " other than '/'");
    }
    this.sandboxDirectory = sandboxDirectory;
    this.volumeIsolators = List.copyOf(volumeIsolators);
  }

  /** The same isolator, refusing the volumes that none of the enabled {@code names} mounts. */
  public LinuxFilesystemIsolator withVolumeIsolators(List<String> names) {
    return new LinuxFilesystemIsolator(sandboxDirectory,
        names.stream().filter(VolumeKinds::mounts).toList());
  }

  /** Where the sandbox appears inside an image container. */
  public String sandboxDirectory() {
    return sandboxDirectory;
  }

  @Override
  public String name() {
    return "filesystem/linux";
  }

  @Override
  public LaunchPlan prepare(ContainerContext container) {
    ContainerInfo info = container.launch().getContainer();
    refuseUnhandledVolumes(info);
    if (container.rootfs().isEmpty()) {
      return Sandbox.plan(container).addCloneNamespaces(Namespace.MOUNT).build();
    }
    if (info.getType() != ContainerInfo.Type.MESOS) {
      throw new IsolatorException("Failed to prepare: can only prepare filesystem for a MESOS"
          + " container");
    }
    ProvisionedRootfs provisioned = container.rootfs().get();
    String rootfs = Path.of(provisioned.getRootfs()).normalize().toString();
    if (!provisioned.getRootfs().startsWith("/") || rootfs.equals("/")) {
      throw new IsolatorException("Failed to prepare: the rootfs '" + provisioned.getRootfs()
          + "' is not an absolute path other than '/'");
    }
    // The image's own entries on the way to these targets must not lead the mounts (and the
    // directories the init creates for them) out of the rootfs.
    for (String inside : List.of("/proc", "/sys", "/dev", sandboxDirectory)) {
      Confined.check(Path.of(rootfs + inside), Path.of(rootfs), "the rootfs", inside);
    }
    boolean privileged = info.getLinuxInfo().getSharePidNamespace();
    LaunchPlan.Builder plan = LaunchPlan.newBuilder()
        .addCloneNamespaces(Namespace.MOUNT)
        .addAllMounts(RootfsMounts.of(rootfs, !privileged))
        .addMounts(Mounts.bind(container.sandbox().toString(), rootfs + sandboxDirectory))
        .addEnvironment("MESOS_SANDBOX=" + sandboxDirectory)
        .setRootfs(rootfs);
    if (provisioned.getConfig().getWorkingDir().isEmpty()) {
      plan.setWorkingDirectory(sandboxDirectory);
    }
    return plan.build();
  }

  /** Volumes whose kind no enabled volume isolator mounts, refused before anything happens. */
  private void refuseUnhandledVolumes(ContainerInfo info) {
    for (Volume volume : info.getVolumesList()) {
      String isolator = VolumeKinds.isolatorFor(volume);
      if (isolator == null) {
        throw new IsolatorException("Failed to prepare: volume with container path '"
            + volume.getContainerPath() + "' is of a kind Corral does not support ("
            + VolumeKinds.describe(volume) + ")");
      }
      if (!volumeIsolators.contains(isolator)) {
        throw new IsolatorException("Failed to prepare: volume with container path '"
            + volume.getContainerPath() + "' needs the '" + isolator + "' isolator, which is"
            + " not enabled");
      }
    }
  }
}
