package io.corral.ops;

import io.corral.isolators.docker.volume.DockerVolumeConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The flags of the {@code docker/volume} isolator: Mesos' {@code --docker_volume_checkpoint_dir},
 * and Corral's {@code --docker_volume_plugin_dirs} and {@code --docker_volume_plugin_timeout}
 * (Corral speaks to the plugins itself where Mesos runs {@code dvdcli}). A mixin of
 * {@link ImageFlags}; read on the main thread at start.
 */
final class DockerVolumeFlags {
  @Option(names = "--docker_volume_checkpoint_dir", paramLabel = "DIR",
      defaultValue = "/var/run/mesos/isolators/docker/volume",
      description = "Where docker/volume checkpoints the volumes each container mounted (created 0700);"
          + " keep it across reboots if plugins keep their mounts. Default: ${DEFAULT-VALUE}.")
  Path checkpointDir;

  @Option(names = "--docker_volume_plugin_dirs", paramLabel = "DIR[:DIR...]",
      defaultValue = "/run/docker/plugins:/etc/docker/plugins:/usr/lib/docker/plugins",
      description = "Colon-separated absolute directories where docker/volume finds Docker volume plugins"
          + " (<name>.sock, then <name>.spec or <name>.json, as Docker does). Default: ${DEFAULT-VALUE}.")
  String pluginDirs;

  @Option(names = "--docker_volume_plugin_timeout", paramLabel = "DURATION", defaultValue = "30secs",
      converter = AgentFlags.PositiveDurationConverter.class,
      description = "How long one call to a Docker volume plugin may take, retries of a plugin that cannot"
          + " be reached included. Default: ${DEFAULT-VALUE}.")
  Duration pluginTimeout;

  /** The flags as the isolator takes them. */
  DockerVolumeConfig resolve() {
    List<Path> dirs = new ArrayList<>();
    for (String dir : pluginDirs.split(":")) {
      if (!dir.startsWith("/")) {
        throw new StartupException("Flag '--docker_volume_plugin_dirs' takes absolute directories, not '"
            + dir + "'");
      }
      dirs.add(Path.of(dir).normalize());
    }
    if (!checkpointDir.isAbsolute()) {
      throw new StartupException("Flag '--docker_volume_checkpoint_dir' must be an absolute path, not '"
          + checkpointDir + "'");
    }
    return new DockerVolumeConfig(checkpointDir.normalize(), dirs, pluginTimeout);
  }
}
