package io.corral.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.corral.isolators.docker.volume.DockerVolumeConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The docker/volume flags: Mesos' and Docker's defaults, and what is refused. */
class DockerVolumeFlagsTest {
  private static DockerVolumeConfig resolve(String... args) {
    ImageFlags flags = new ImageFlags();
    new CommandLine(flags).parseArgs(args);
    return flags.resolve(Path.of("/var/lib/corral"), List.of("filesystem/linux"), LauncherFlag.Kind.LINUX)
        .mounts().dockerVolume();
  }

  @Test
  void theDefaultsAreMesosAndDockers() {
    assertEquals(DockerVolumeConfig.defaults(), resolve());
  }

  @Test
  void theFlagsAreTaken() {
    assertEquals(new DockerVolumeConfig(Path.of("/srv/ckpt"), List.of(Path.of("/a"), Path.of("/b")),
        Duration.ofSeconds(5)), resolve("--docker_volume_checkpoint_dir=/srv/ckpt/",
            "--docker_volume_plugin_dirs=/a:/b", "--docker_volume_plugin_timeout=5secs"));
  }

  @Test
  void relativeDirectoriesAndAZeroTimeoutAreRefused() {
    assertEquals("Flag '--docker_volume_plugin_dirs' takes absolute directories, not 'plugins'",
        assertThrows(StartupException.class, () -> resolve("--docker_volume_plugin_dirs=/a:plugins")).getMessage());
    assertEquals("Flag '--docker_volume_checkpoint_dir' must be an absolute path, not 'ckpt'",
        assertThrows(StartupException.class, () -> resolve("--docker_volume_checkpoint_dir=ckpt")).getMessage());
    assertThrows(CommandLine.ParameterException.class, () -> resolve("--docker_volume_plugin_timeout=0secs"));
  }
}
