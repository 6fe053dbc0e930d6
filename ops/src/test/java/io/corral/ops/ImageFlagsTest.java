package io.corral.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The image flags: their defaults, the checks against --isolation and the launcher, and /flags. */
class ImageFlagsTest {
  private static final List<String> WITH_IMAGES = List.of("filesystem/linux", "docker/runtime", "namespaces/pid");
  private static final Path WORK = Path.of("/var/lib/corral");

  private static ImageFlags parse(String... args) {
    ImageFlags flags = new ImageFlags();
    new CommandLine(flags).parseArgs(args);
    return flags;
  }

  @Test
  void withoutProvidersImagesAreOffAndTheDefaultsAreMesos() {
    ImageFlags.Images images = parse().resolve(WORK, List.of("filesystem/posix"), LauncherFlag.Kind.LINUX);
    assertFalse(images.enabled());
    assertEquals(ImageFlags.DOCKER_HUB, images.registry());
    assertEquals(WORK.resolve("store/docker"), images.store());
    assertEquals("/mnt/mesos/sandbox", images.mounts().sandboxDirectory());
    assertEquals(Optional.empty(), images.backend());
  }

  @Test
  void dockerNeedsFilesystemLinuxDockerRuntimeAndTheLinuxLauncher() {
    assertTrue(parse("--image_providers=docker").resolve(WORK, WITH_IMAGES, LauncherFlag.Kind.LINUX).enabled());
    assertTrue(parse("--image_providers=DOCKER").resolve(WORK, WITH_IMAGES, LauncherFlag.Kind.LINUX).enabled());
    StartupException missing = assertThrows(StartupException.class, () -> parse("--image_providers=docker")
        .resolve(WORK, List.of("filesystem/linux"), LauncherFlag.Kind.LINUX));
    assertEquals("Flag '--image_providers=docker' needs 'docker/runtime' in --isolation", missing.getMessage());
    assertEquals("Flag '--image_providers=docker' needs --launcher=linux", assertThrows(StartupException.class,
        () -> parse("--image_providers=docker").resolve(WORK, WITH_IMAGES, LauncherFlag.Kind.POSIX)).getMessage());
  }

  @Test
  void appcUnknownProvidersBackendsAndSandboxDirectoriesAreRefused() {
    assertEquals("Image provider 'APPC' is not supported by Corral: use 'docker'", assertThrows(
        StartupException.class, () -> parse("--image_providers=appc").resolve(WORK, WITH_IMAGES,
            LauncherFlag.Kind.LINUX)).getMessage());
    assertThrows(StartupException.class, () -> parse("--image_providers=oci").resolve(WORK, WITH_IMAGES,
        LauncherFlag.Kind.LINUX));
    assertThrows(StartupException.class, () -> parse("--image_provisioner_backend=aufs").resolve(WORK, WITH_IMAGES,
        LauncherFlag.Kind.LINUX));
    assertThrows(StartupException.class, () -> parse("--sandbox_directory=relative").resolve(WORK, WITH_IMAGES,
        LauncherFlag.Kind.LINUX));
    assertThrows(StartupException.class, () -> parse("--sandbox_directory=/").resolve(WORK, WITH_IMAGES,
        LauncherFlag.Kind.LINUX));
    assertThrows(StartupException.class, () -> parse("--host_path_volume_force_creation=/ok:relative")
        .resolve(WORK, WITH_IMAGES, LauncherFlag.Kind.LINUX));
  }

  @Test
  void dockerConfigIsReadFromJsonOrAFileAndFlagsNeverShowTheJson(@TempDir Path temp) throws Exception {
    String json = "{\"auths\":{\"r.example\":{\"auth\":\"dTpw\"}}}";
    ImageFlags inline = parse("--docker_config=" + json);
    assertEquals(Optional.of(json), inline.resolve(WORK, WITH_IMAGES, LauncherFlag.Kind.LINUX).dockerConfigJson());
    assertFalse(AgentFlags.render(inline).get("docker_config").contains("dTpw"));
    Path file = Files.writeString(temp.resolve("config.json"), json);
    ImageFlags fromFile = parse("--docker_config=file://" + file);
    assertEquals(Optional.of(json), fromFile.resolve(WORK, WITH_IMAGES, LauncherFlag.Kind.LINUX).dockerConfigJson());
    assertEquals("file://" + file, AgentFlags.render(fromFile).get("docker_config"));
    assertThrows(StartupException.class, () -> parse("--docker_config=" + temp.resolve("missing"))
        .resolve(WORK, WITH_IMAGES, LauncherFlag.Kind.LINUX));
  }
}
