package io.corral.isolators.volume;

import io.corral.isolators.ContainerContext;
import io.corral.isolators.Isolator;
import io.corral.isolators.IsolatorException;
import io.corral.isolators.filesystem.LinuxFilesystemIsolator;
import io.corral.isolators.filesystem.MountTable;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.MountPropagation;
import io.corral.proto.v1.Volume;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code volume/host_path} (Mesos' {@code VolumeHostPathIsolatorProcess}): the volumes with
 * {@code source.type = HOST_PATH}, and the legacy ones whose {@code host_path} is absolute, are
 * bound from the host path onto their target ({@link VolumePlanner}: in the image's rootfs when
 * there is one), in a mount namespace of the container's own; {@link VolumeMounts} says how
 * {@code RO} is made really read-only. Used with {@code filesystem/linux}.
 *
 * <p>The host path is absolute, without {@code .} or {@code ..}, and must exist, unless it lies
 * under a directory of {@code --host_path_volume_force_creation}: then it is created as a
 * directory, once every volume of the container has been checked. A bidirectional mount
 * propagation is refused (Corral cannot honour it). Stateless: the mounts die with the
 * container's mount namespace; any thread.
 */
public final class HostPathVolumeIsolator implements Isolator {
  private final String sandboxDirectory;
  private final List<Path> forceCreation;
  private final MountTable hostMounts;

  /** Mesos' defaults: {@code /mnt/mesos/sandbox} and no forced creation. */
  public HostPathVolumeIsolator() {
    this(LinuxFilesystemIsolator.DEFAULT_SANDBOX_DIRECTORY, List.of());
  }

  /**
   * @param sandboxDirectory {@code --sandbox_directory}, as given to {@code filesystem/linux}
   * @param forceCreation {@code --host_path_volume_force_creation}: absolute directories under
   *     which a missing host path is created
   */
  public HostPathVolumeIsolator(String sandboxDirectory, List<Path> forceCreation) {
    this(sandboxDirectory, forceCreation, MountTable.SELF);
  }

  HostPathVolumeIsolator(String sandboxDirectory, List<Path> forceCreation, MountTable hostMounts) {
    for (Path dir : forceCreation) {
      if (!dir.isAbsolute() || !dir.normalize().equals(dir)) {
        throw new IllegalArgumentException("Failed to create isolator 'volume/host_path':"
            + " --host_path_volume_force_creation entry '" + dir + "' must be a normalized"
            + " absolute path");
      }
    }
    this.sandboxDirectory = sandboxDirectory;
    this.forceCreation = List.copyOf(forceCreation);
    this.hostMounts = hostMounts;
  }

  @Override
  public String name() {
    return "volume/host_path";
  }

  @Override
  public LaunchPlan prepare(ContainerContext container) {
    return VolumeMounts.prepare(VolumePlanner.mine(container, sandboxDirectory, name()),
        this::existingSource, HostPathVolumeIsolator::createIfMissing, hostMounts);
  }

  /** The host path, which exists or lies under a --host_path_volume_force_creation directory. */
  private Path existingSource(Volume volume) {
    Path source = source(volume);
    if (!Files.exists(source) && forceCreation.stream().noneMatch(source::startsWith)) {
      throw new IsolatorException("Failed to prepare: volume host path '" + source
          + "' does not exist");
    }
    return source;
  }

  private static Path source(Volume volume) {
    String path = volume.hasSource() ? volume.getSource().getHostPath().getPath()
        : volume.getHostPath();
    VolumePlanner.refuseDots(path, "host path");
    if (!path.startsWith("/")) {
      throw new IsolatorException("Failed to prepare: volume host path '" + path
          + "' is not absolute");
    }
    if (volume.getSource().getHostPath().getMountPropagation().getMode()
        == MountPropagation.Mode.BIDIRECTIONAL) {
      throw new IsolatorException("Failed to prepare: volume host path '" + path
          + "' asks for BIDIRECTIONAL mount propagation, which Corral does not support");
    }
    return Path.of(path);
  }

  private static void createIfMissing(Path dir) {
    if (Files.exists(dir)) {
      return;
    }
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new IsolatorException("Failed to create volume host path '" + dir + "': " + e, e);
    }
  }
}
