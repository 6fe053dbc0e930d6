package io.corral.isolators.docker.volume;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The flags of {@code docker/volume}: {@code --docker_volume_checkpoint_dir} (Mesos' flag and
 * default), and Corral's {@code --docker_volume_plugin_dirs} (where plugins are discovered,
 * Docker's directories by default) and {@code --docker_volume_plugin_timeout} (the bound on one
 * plugin call, retries of an unreachable plugin included; Docker's 30 s by default).
 */
public record DockerVolumeConfig(Path checkpointDir, List<Path> pluginDirs, Duration pluginTimeout) {
  /** Mesos' default {@code --docker_volume_checkpoint_dir}. */
  public static final Path DEFAULT_CHECKPOINT_DIR = Path.of("/var/run/mesos/isolators/docker/volume");
  /** Where Docker looks for legacy plugins: sockets, then spec files. */
  public static final List<Path> DEFAULT_PLUGIN_DIRS = List.of(Path.of("/run/docker/plugins"),
      Path.of("/etc/docker/plugins"), Path.of("/usr/lib/docker/plugins"));
  /** Docker's timeout for a plugin call. */
  public static final Duration DEFAULT_PLUGIN_TIMEOUT = Duration.ofSeconds(30);

  public DockerVolumeConfig {
    pluginDirs = List.copyOf(pluginDirs);
    if (!checkpointDir.isAbsolute() || pluginDirs.stream().anyMatch(d -> !d.isAbsolute())) {
      throw new IllegalArgumentException("Failed to create isolator 'docker/volume': its directories"
          + " must be absolute paths");
    }
    if (pluginTimeout.isNegative() || pluginTimeout.isZero()) {
      throw new IllegalArgumentException("Failed to create isolator 'docker/volume':"
          + " --docker_volume_plugin_timeout must be positive");
    }
  }

  public static DockerVolumeConfig defaults() {
    return new DockerVolumeConfig(DEFAULT_CHECKPOINT_DIR, DEFAULT_PLUGIN_DIRS, DEFAULT_PLUGIN_TIMEOUT);
  }
}
