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
    assertEquals(4, images.registryAttempts());
    assertEquals(java.time.Duration.ofMinutes(1), images.registryTimeout());
  }

  @Test
  void theRegistryLimitsAreFlagsAndMustBePositive() {
    ImageFlags.Images images = parse("--docker_registry_attempts=1", "--docker_registry_timeout=5secs")
        .resolve(WORK, WITH_IMAGES, LauncherFlag.Kind.LINUX);
    assertEquals(1, images.registryAttempts());
    assertEquals(java.time.Duration.ofSeconds(5), images.registryTimeout());
    assertThrows(StartupException.class, () -> parse("--docker_registry_attempts=0").resolve(WORK, WITH_IMAGES,
        LauncherFlag.Kind.LINUX));
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
  void theGcConfigIsMesosImageGcConfigAndIsChecked() {
    ImageFlags.Images images = parse("--image_gc_config={\"image_disk_headroom\":0.1,"
        + "\"image_disk_watch_interval\":{\"nanoseconds\":3600000000000},"
        + "\"excluded_images\":[{\"type\":\"DOCKER\",\"docker\":{\"name\":\"keep\"}}]}")
        .resolve(WORK, WITH_IMAGES, LauncherFlag.Kind.LINUX);
    assertEquals(0.1, images.gc().orElseThrow().getImageDiskHeadroom());
    assertEquals(3600000000000L, images.gc().orElseThrow().getImageDiskWatchInterval().getNanoseconds());
    assertEquals("keep", images.gc().orElseThrow().getExcludedImages(0).getDocker().getName());
    assertEquals(Optional.empty(), parse().resolve(WORK, WITH_IMAGES, LauncherFlag.Kind.LINUX).gc());
    for (String bad : List.of("{\"image_disk_headroom\":1.5,\"image_disk_watch_interval\":{\"nanoseconds\":1}}",
        "{\"image_disk_headroom\":0.1}", "{\"no_such_field\":1}")) {
      assertThrows(StartupException.class, () -> parse("--image_gc_config=" + bad).resolve(WORK, WITH_IMAGES,
          LauncherFlag.Kind.LINUX), bad);
    }
  }

  @Test
  void dockerConfigIsReadFromJsonOrAFileAndFlagsNeverShowTheJson(@TempDir Path temp) throws Exception {
    String json = "{\"auths\":{\"r.example\":{\"auth\":\"dTpw\"}}}";
    ImageFlags inline = parse("--docker_config=" + json);
    assertEquals(Optional.of(json), inline.resolve(WORK, WITH_IMAGES, LauncherFlag.Kind.LINUX).dockerConfigJson());
    assertFalse(FlagValues.render(inline).get("docker_config").contains("dTpw"));
    Path file = Files.writeString(temp.resolve("config.json"), json);
    ImageFlags fromFile = parse("--docker_config=file://" + file);
    assertEquals(Optional.of(json), fromFile.resolve(WORK, WITH_IMAGES, LauncherFlag.Kind.LINUX).dockerConfigJson());
    assertEquals("file://" + file, FlagValues.render(fromFile).get("docker_config"));
    assertThrows(StartupException.class, () -> parse("--docker_config=" + temp.resolve("missing"))
        .resolve(WORK, WITH_IMAGES, LauncherFlag.Kind.LINUX));
  }
}
