package io.corral.images.store;

import static io.corral.images.store.Stores.assertPullFails;
import static io.corral.images.store.Stores.files;
import static io.corral.images.store.Stores.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.images.ImageReference;
import io.corral.images.testing.Poll;
import io.corral.images.testing.TarCommandUnpacker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store's own rules over an in-memory source: diff_id checks, shared and coalesced layers,
 * prune (never a layer a kept image or a running pull needs), recovery of temporary files and of
 * an unreadable index, and a failing unpacker leaving nothing behind.
 */
class ImageStoreTest {
  private static String hex(int layer) {
    return MemorySource.diffId(layer).substring(7);
  }

  @Test
  void aLayerThatIsNotItsDiffIdIsRefused(@TempDir Path dir) throws Exception {
    MemorySource source = new MemorySource().image("liar", List.of(MemorySource.diffId(2)), 1);
    ImageStore store = Stores.open(dir, source);
    assertPullFails(store, "liar", "'liar:latest'", "diff_id mismatch for layer 'sha256:",
        "the config says '" + MemorySource.diffId(2) + "', the layer is '" + MemorySource.diffId(1) + "'");
    assertEquals(List.of(), files(dir.resolve("tmp")));
    assertFalse(Files.exists(dir.resolve("blobs")), "no blob is written to disk");
    assertEquals(List.of(), files(dir.resolve("layers")));
  }

  @Test
  void imagesShareLayersAndConcurrentPullsFetchEachOnce(@TempDir Path dir) throws Exception {
    MemorySource source = new MemorySource().image("a", 1, 2).image("b", 1, 3);
    ImageStore store = Stores.open(dir, source);
    source.close();
    CompletableFuture<StoredImage> a = store.get(ImageReference.parse("a"), PullListener.NONE).toCompletableFuture();
    CompletableFuture<StoredImage> b = store.get(ImageReference.parse("b"), PullListener.NONE).toCompletableFuture();
    Poll.until(Duration.ofSeconds(30), () -> source.waiting.get() == 3, "three fetches (1, 2, 3) under way");
    source.open();
    assertEquals(Stores.await(a).layers().get(0), Stores.await(b).layers().get(0));
    assertEquals(1, source.fetches(1), "the shared layer was fetched once");
    assertEquals("content 3\n", Files.readString(Stores.await(b).layers().get(1).resolve("f3")));
  }

  @Test
  void pruneRemovesWhatNobodyKeeps(@TempDir Path dir) throws Exception {
    MemorySource source = new MemorySource().image("a", 1, 2).image("b", 1, 3);
    ImageStore store = Stores.open(dir, source);
    get(store, "a");
    get(store, "b");
    assertEquals(Set.of("a:latest"), store.prune(Set.of("b")));
    assertTrue(Files.isDirectory(dir.resolve("layers").resolve(hex(1))), "b still needs layer 1");
    assertTrue(Files.isDirectory(dir.resolve("layers").resolve(hex(3))));
    assertFalse(Files.exists(dir.resolve("layers").resolve(hex(2))), "only a needed layer 2");
    assertNotNull(store.cached(ImageReference.parse("b:latest")));
    get(store, "a");
    assertEquals(1, source.fetches(1), "layer 1 stayed");
    assertEquals(2, source.fetches(2), "layer 2 came back");
  }

  @Test
  void pruneKeepsTheLayersOfAPullUnderWay(@TempDir Path dir) throws Exception {
    MemorySource source = new MemorySource().image("b", 1, 3).image("c", 1, 4);
    ImageStore store = Stores.open(dir, source);
    get(store, "b");
    source.close();
    CompletableFuture<StoredImage> c = store.get(ImageReference.parse("c"), PullListener.NONE).toCompletableFuture();
    Poll.until(Duration.ofSeconds(30), () -> source.waiting.get() == 1, "c's layer 4 to be under way");
    assertEquals(Set.of("b:latest"), store.prune(Set.of()));
    assertTrue(Files.isDirectory(dir.resolve("layers").resolve(hex(1))), "c needs layer 1, already there");
    assertFalse(Files.exists(dir.resolve("layers").resolve(hex(3))));
    source.open();
    StoredImage image = Stores.await(c);
    assertTrue(Files.isRegularFile(image.layers().get(0).resolve("f1")));
  }

  @Test
  void openingRecoversTemporaryFilesAndAnUnreadableIndex(@TempDir Path dir) throws Exception {
    MemorySource source = new MemorySource().image("a", 1);
    get(Stores.open(dir, source), "a");
    Files.createDirectories(dir.resolve("tmp/layer-x/rootfs/etc"));
    Files.writeString(dir.resolve("tmp/blob-y"), "half a download");
    ImageStore reopened = Stores.open(dir, new MemorySource());
    assertEquals(List.of(), files(dir.resolve("tmp")));
    assertNotNull(reopened.cached(ImageReference.parse("a")), "the index survived, no network needed");

    Files.writeString(dir.resolve("index.pb"), "not a protobuf \u0000\u00ff\u00ff");
    ImageStore fresh = Stores.open(dir, source);
    assertTrue(Files.exists(dir.resolve("index.pb.corrupt")));
    get(fresh, "a");
    assertEquals(1, source.fetches(1), "the layer on disk was found again by its diff_id");
  }

  @Test
  void aFailingUnpackerLeavesNothing(@TempDir Path dir) throws Exception {
    ImageStore store = ImageStore.open(dir, new MemorySource().image("a", 1), (blob, target) -> {
      new TarCommandUnpacker().unpack(blob, target);
      throw new IOException("Failed to unpack: refused on purpose");
    }, Stores.POOL);
    assertPullFails(store, "a", "failed to unpack layer 'sha256:", "refused on purpose");
    assertEquals(List.of(), files(dir.resolve("tmp")));
    assertEquals(List.of(), files(dir.resolve("layers")));
    assertFalse(Files.exists(dir.resolve("blobs")), "no blob is written to disk");
  }

  @Test
  void aConfigThatDoesNotMatchTheManifestIsRefused(@TempDir Path dir) throws Exception {
    MemorySource source = new MemorySource().image("short", List.of(MemorySource.diffId(1)), 1, 2);
    assertPullFails(Stores.open(dir, source), "short", "the manifest has 2 layers but the config 1 diff_ids");
  }
}
