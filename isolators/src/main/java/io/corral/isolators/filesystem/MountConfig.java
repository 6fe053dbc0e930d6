package io.corral.isolators.filesystem;

import io.corral.isolators.docker.volume.DockerVolumeConfig;
import java.nio.file.Path;
import java.util.List;

/**
 * The flags of the isolators that mount into an image's root filesystem
 * ({@code filesystem/linux}, {@code volume/host_path}, {@code volume/sandbox_path},
 * {@code docker/volume}): {@code --sandbox_directory}, {@code --host_path_volume_force_creation}
 * and those of {@link DockerVolumeConfig}.
 */
public record MountConfig(String sandboxDirectory, List<Path> hostPathVolumeForceCreation,
    DockerVolumeConfig dockerVolume) {
  public MountConfig {
    hostPathVolumeForceCreation = List.copyOf(hostPathVolumeForceCreation);
  }

  /** These flags with the default {@code docker/volume} flags. */
  public MountConfig(String sandboxDirectory, List<Path> hostPathVolumeForceCreation) {
    this(sandboxDirectory, hostPathVolumeForceCreation, DockerVolumeConfig.defaults());
  }

  /** Mesos' defaults: {@code /mnt/mesos/sandbox}, and no forced creation. */
  public static MountConfig defaults() {
    return new MountConfig(LinuxFilesystemIsolator.DEFAULT_SANDBOX_DIRECTORY, List.of());
  }
}
