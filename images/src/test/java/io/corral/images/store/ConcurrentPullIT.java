package io.corral.images.store;

import static io.corral.images.store.Stores.assertBusybox;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.images.ImageReference;
import io.corral.images.registry.RegistrySettings;
import io.corral.images.testing.CountingProxy;
import io.corral.images.testing.Registry;
import io.corral.images.testing.Skopeo;
import io.corral.images.testing.Skopeo.Format;
import io.corral.images.testing.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many gets of one uncached image share one pull (a counting proxy in front of the real registry
 * sees every blob once), and a 30-layer image comes out whole, in order.
 */
class ConcurrentPullIT {
  @TempDir static Path work;
  static Registry registry;
  static TestImages.Built busybox;
  static TestImages.Built layered;

  @BeforeAll
  static void push() throws Exception {
    Stores.assumeTools();
    registry = Registry.start(work.resolve("registry"), new Registry.NoAuth());
    busybox = TestImages.busybox(work.resolve("oci"), "test");
    layered = TestImages.layered(work.resolve("oci30"), "thirty", 30);
    Skopeo.push(busybox.ociName(), registry.authority(), "busybox:latest", Format.V2S2, false, null);
    Skopeo.push(layered.ociName(), registry.authority(), "layered:30", Format.OCI, false, null);
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
  }

  @Test
  void twentyConcurrentGetsFetchEachBlobOnce(@TempDir Path dir) throws Exception {
    try (CountingProxy proxy = new CountingProxy(registry.url())) {
      ImageStore store = Stores.open(dir, new RegistrySource(proxy.url(), RegistrySettings.defaults()));
      AtomicLong progress = new AtomicLong();
      PullListener listener = new PullListener() {
        @Override
        public void layerProgress(String layer, long done, long total) {
          progress.accumulateAndGet(done, Math::max);
        }
      };
      List<CompletableFuture<StoredImage>> gets = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        gets.add(store.get(ImageReference.parse("busybox"), listener).toCompletableFuture());
      }
      List<StoredImage> images = new ArrayList<>();
      for (CompletableFuture<StoredImage> g : gets) {
        images.add(Stores.await(g));
      }
      images.forEach(i -> assertEquals(images.get(0), i));
      assertBusybox(images.get(0), 2);
      Map<String, Integer> counts = proxy.counts();
      for (String digest : busybox.image().layerDigests()) {
        assertEquals(1, proxy.gets("/v2/busybox/blobs/" + digest), "blob " + digest + " in " + counts);
      }
      assertEquals(1, counts.get("/v2/busybox/manifests/latest"), counts.toString());
      assertTrue(progress.get() > 0, "progress was reported");
    }
  }

  @Test
  void aThirtyLayerImage(@TempDir Path dir) throws Exception {
    ImageStore store = Stores.open(dir, new RegistrySource(registry.url(), RegistrySettings.defaults()));
    StoredImage image = Stores.get(store, "layered:30");
    assertEquals(30, image.layers().size());
    assertEquals(layered.image().manifestDigest(), image.manifestDigest());
    for (int i = 1; i < 30; i++) {
      Path layer = image.layers().get(i);
      assertEquals("layer " + i + "\n", Files.readString(layer.resolve("layers/" + i)));
      assertEquals(layered.image().diffIds().get(i).substring(7), layer.getParent().getFileName().toString());
    }
  }
}
