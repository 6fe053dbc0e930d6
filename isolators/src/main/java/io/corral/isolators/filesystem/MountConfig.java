package io.corral.isolators.filesystem;

import java.nio.file.Path;
import java.util.List;

/**
 * The flags of the isolators that mount into an image's root filesystem
 * ({@code filesystem/linux}, {@code volume/host_path}, {@code volume/sandbox_path}):
 * {@code --sandbox_directory} and {@code --host_path_volume_force_creation}.
 */
public record MountConfig(String sandboxDirectory, List<Path> hostPathVolumeForceCreation) {
  public MountConfig {
    hostPathVolumeForceCreation = List.copyOf(hostPathVolumeForceCreation);
  }

  /** Mesos' defaults: {@code /mnt/mesos/sandbox}, and no forced creation. */
  public static MountConfig defaults() {
    return new MountConfig(LinuxFilesystemIsolator.DEFAULT_SANDBOX_DIRECTORY, List.of());
  }
}
