package io.corral.images.store;

import static io.corral.images.store.Stores.assertBusybox;
import static io.corral.images.store.Stores.assertPullFails;
import static io.corral.images.store.Stores.files;
import static io.corral.images.store.Stores.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.images.ImageReference;
import io.corral.images.registry.RegistrySettings;
import io.corral.images.testing.Registry;
import io.corral.images.testing.Skopeo;
import io.corral.images.testing.Skopeo.Format;
import io.corral.images.testing.TestImages;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pulls from Debian's real registry, fed by skopeo: Docker schema 2, OCI manifests, OCI indexes
 * and Docker manifest lists (this host's amd64 entry, or arm64 when asked), the cache answering
 * without the network, layers shared between images, and the errors for a missing tag or
 * repository and an unreachable registry.
 */
class RegistryPullIT {
  @TempDir static Path work;
  static Registry registry;
  static TestImages.Built busybox;
  static TestImages.Built multi;

  @BeforeAll
  static void pushImages() throws Exception {
    Stores.assumeTools();
    registry = Registry.start(work.resolve("registry"), new Registry.NoAuth());
    busybox = TestImages.busybox(work.resolve("oci-busybox"), "test");
    multi = TestImages.multiArch(work.resolve("oci-multi"), "multi");
    Skopeo.push(busybox.ociName(), registry.authority(), "busybox:oci", Format.OCI, false, null);
    Skopeo.push(busybox.ociName(), registry.authority(), "busybox:v2s2", Format.V2S2, false, null);
    Skopeo.push(multi.ociName(), registry.authority(), "multi:index", Format.OCI, true, null);
    Skopeo.push(multi.ociName(), registry.authority(), "multi:list", Format.V2S2, true, null);
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
  }

  private static ImageStore store(Path dir, RegistrySettings settings) throws Exception {
    return Stores.open(dir, new RegistrySource(registry.url(), settings));
  }

  @Test
  void pullsDockerSchema2(@TempDir Path dir) throws Exception {
    StoredImage image = get(store(dir, RegistrySettings.defaults()), "busybox:v2s2");
    assertBusybox(image, 2);
    assertEquals(registry.authority() + "/busybox:v2s2", image.reference());
    assertTrue(Files.isRegularFile(image.layers().get(1).resolve("etc/motd")));
    assertEquals(List.of(), files(dir.resolve("tmp")), "nothing is left in tmp/");
    assertEquals(List.of(), files(dir.resolve("blobs/sha256")), "blobs go once unpacked");
  }

  @Test
  void pullsAnOciManifestAndKeepsItsDigest(@TempDir Path dir) throws Exception {
    StoredImage image = get(store(dir, RegistrySettings.defaults()), "busybox:oci");
    assertBusybox(image, 2);
    assertEquals(busybox.image().manifestDigest(), image.manifestDigest());
    for (int i = 0; i < 2; i++) {
      String hex = busybox.image().diffIds().get(i).substring(7);
      assertEquals(dir.resolve("layers").resolve(hex).resolve("rootfs"), image.layers().get(i));
    }
  }

  @Test
  void picksThisHostsEntryFromAnOciIndexAndAManifestList(@TempDir Path dir) throws Exception {
    ImageStore store = store(dir, RegistrySettings.defaults().withPlatform("linux", "amd64"));
    for (String name : List.of("multi:index", "multi:list")) {
      StoredImage image = get(store, name);
      assertEquals("amd64\n", Files.readString(image.layers().get(1).resolve("etc/arch")), name);
    }
    StoredImage index = get(store, "multi:index");
    assertEquals(multi.image().manifestDigest(), index.manifestDigest(), "the amd64 manifest, by digest");
  }

  @Test
  void picksAnotherArchitectureWhenConfigured(@TempDir Path dir) throws Exception {
    ImageStore store = store(dir, RegistrySettings.defaults().withPlatform("linux", "arm64"));
    StoredImage image = get(store, "multi:index");
    assertEquals("arm64\n", Files.readString(image.layers().get(1).resolve("etc/arch")));
    ImageStore s390 = store(dir.resolve("other"), RegistrySettings.defaults().withPlatform("linux", "s390x"));
    assertPullFails(s390, "multi:list", "no manifest for platform 'linux/s390x'", "linux/arm64", "linux/amd64");
  }

  @Test
  void aCachedImageNeedsNoNetworkAndLayersAreShared(@TempDir Path dir) throws Exception {
    StoredImage first = get(store(dir, RegistrySettings.defaults()), "busybox:oci");

    List<PullListener.PullStats> stats = new CopyOnWriteArrayList<>();
    PullListener listener = new PullListener() {
      @Override
      public void finished(PullStats s) {
        stats.add(s);
      }
    };
    ImageStore shared = store(dir, RegistrySettings.defaults());
    StoredImage v2s2 = Stores.await(shared.get(ImageReference.parse("busybox:v2s2"), listener));
    assertEquals(first.layers(), v2s2.layers(), "the same diff_ids, the same unpacked layers");
    assertFalse(stats.get(0).cacheHit());
    assertEquals(0, stats.get(0).bytesPulled(), "no layer was downloaded again");

    URI closed = URI.create("http://127.0.0.1:" + Registry.freePort());
    ImageStore offline = Stores.open(dir, new RegistrySource(closed, RegistrySettings.defaults()));
    StoredImage cached = Stores.await(offline.get(
        ImageReference.parse(registry.authority() + "/busybox:oci"), listener));
    assertEquals(first, cached);
    assertTrue(stats.get(1).cacheHit());
  }

  @Test
  void aMissingTagOrRepositoryIsNamed(@TempDir Path dir) throws Exception {
    ImageStore store = store(dir, RegistrySettings.defaults());
    assertPullFails(store, "busybox:nope", "'" + registry.authority() + "/busybox:nope'", "manifest 'nope'",
        "repository 'busybox'", "MANIFEST_UNKNOWN");
    assertPullFails(store, "nothere", "'" + registry.authority() + "/nothere:latest'", "repository 'nothere'",
        "_UNKNOWN");
    assertEquals(List.of(), files(dir.resolve("layers")));
  }

  @Test
  void anUnreachableRegistryFailsAfterTheRetries(@TempDir Path dir) throws Exception {
    URI closed = URI.create("http://127.0.0.1:" + Registry.freePort());
    RegistrySettings settings = RegistrySettings.defaults().withRetries(3, Duration.ofMillis(10));
    ImageStore store = Stores.open(dir, new RegistrySource(closed, settings));
    assertPullFails(store, "busybox", "failed to reach registry '" + closed.getAuthority() + "' after 3 attempt(s)");
  }
}
