package io.corral.images.store;

import static io.corral.images.store.Stores.assertBusybox;
import static io.corral.images.store.Stores.assertPullFails;
import static io.corral.images.store.Stores.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.images.registry.Digests;
import io.corral.images.registry.RegistrySettings;
import io.corral.images.testing.DockerSaveArchive;
import io.corral.images.testing.Skopeo;
import io.corral.images.testing.TestImages;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --docker_registry} as a local directory of archives (Mesos' local puller): skopeo's
 * docker-archive (plain layers behind {@code layer.tar} symlinks, names normalized to
 * {@code docker.io/library/}), {@code docker save}'s layout (found by {@code RepoTags} or by the
 * legacy {@code repositories} file; one layer gzip-compressed), and archives that are missing,
 * hold another image, or link outside themselves.
 */
class ArchivePullIT {
  @TempDir static Path archives;
  static TestImages.Built busybox;

  @BeforeAll
  static void writeArchives() throws Exception {
    Stores.assumeTools();
    busybox = TestImages.busybox(archives.resolve("oci"), "test");
    Skopeo.toDockerArchive(busybox.ociName(), archives.resolve("busybox:test.tar"), "busybox:test");
    Skopeo.toDockerArchive(busybox.ociName(), archives.resolve("other.tar"), "something:else");
    List<byte[]> layers = List.of(TestImages.bottomLayer(), TestImages.upperLayer());
    DockerSaveArchive.write(archives.resolve("saved.tar"), List.of("saved:latest"), "saved", "latest", layers,
        List.of(1));
    DockerSaveArchive.write(archives.resolve("legacy:1.tar"), List.of(), "legacy", "1", layers, List.of());
    Files.copy(archives.resolve("saved.tar"), archives.resolve("renamed:latest.tar"));
    DockerSaveArchive.writeWithLink(archives.resolve("escape.tar"), "layer.tar", "../../../etc/passwd",
        ("[{\"Config\":\"layer.tar\",\"RepoTags\":[\"escape:latest\"],\"Layers\":[\"layer.tar\"]}]")
            .getBytes(StandardCharsets.UTF_8));
  }

  private static ImageStore store(Path dir) throws Exception {
    return Stores.open(dir, ImageSources.forFlag(archives.toString(), RegistrySettings.defaults()));
  }

  @Test
  void readsSkopeosDockerArchive(@TempDir Path dir) throws Exception {
    StoredImage image = get(store(dir), "busybox:test");
    assertBusybox(image, 2);
    assertEquals("busybox:test", image.reference());
    byte[] config = Files.readAllBytes(busybox.layout().dir().resolve("blobs/sha256")
        .resolve(busybox.image().configDigest().substring(7)));
    assertEquals(Digests.of(config), image.manifestDigest(), "an archive's image is known by its config");
    assertTrue(Files.isRegularFile(image.layers().get(1).resolve("etc/motd")));
  }

  @Test
  void readsDockerSaveByRepoTagsOrRepositories(@TempDir Path dir) throws Exception {
    ImageStore store = store(dir);
    StoredImage saved = get(store, "saved");
    assertBusybox(saved, 2);
    StoredImage legacy = get(store, "legacy:1");
    assertEquals(saved.layers(), legacy.layers(), "the same diff_ids, shared layers");
    assertEquals(busybox.image().diffIds().get(0).substring(7),
        saved.layers().get(0).getParent().getFileName().toString());
  }

  @Test
  void refusesMissingForeignAndEscapingArchives(@TempDir Path dir) throws Exception {
    ImageStore store = store(dir);
    assertPullFails(store, "absent", "no archive for image 'absent:latest' at '" + archives.resolve("absent:latest.tar"));
    assertPullFails(store, "renamed", "image 'renamed:latest' is not in archive", "[saved:latest]");
    assertPullFails(store, "escape", "entry 'layer.tar' of archive", "links outside the archive");
    assertPullFails(store, "other", "not in archive", "docker.io/library/something:else");
  }
}
