package io.corral.images.store;

import io.corral.images.ImageReference;
import io.corral.images.registry.Descriptor;
import io.corral.images.registry.Digests;
import io.corral.images.registry.RegistryException;
import io.corral.images.unpack.LayerUnpacker;
import io.corral.posix.MountSafeDelete;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's unpacked layers, keyed by diff_id: {@link #ensure} makes {@code layers/<hex>/rootfs}
 * exist, once, however many images and gets ask for it at the same time (a map of in-flight
 * futures). Making a layer: download the blob into {@code tmp/} (verified by the source), rename
 * it to {@code blobs/sha256/<hex>}, check sha256 of its uncompressed tar against the diff_id,
 * unpack it with the {@link LayerUnpacker} into {@code tmp/}, rename that into {@code layers/}, and
 * delete the blob. A failure at any step deletes what the step made. The blocking work runs on
 * the executor.
 */
final class LayerCache {
  private static final Logger LOG = LoggerFactory.getLogger(LayerCache.class);

  private final StoreLayout layout;
  private final ImageSource source;
  private final LayerUnpacker unpacker;
  private final Executor executor;
  private final Map<String, CompletableFuture<Path>> inFlight = new ConcurrentHashMap<>();

  LayerCache(StoreLayout layout, ImageSource source, LayerUnpacker unpacker, Executor executor) {
    this.layout = layout;
    this.source = source;
    this.unpacker = unpacker;
    this.executor = executor;
  }

  /** Whether a layer is being made now (prune keeps it). */
  boolean inFlight(String diffHex) {
    return inFlight.containsKey(diffHex);
  }

  /** The unpacked rootfs of {@code diffId}, made from {@code layer} of {@code ref} if missing. */
  CompletableFuture<Path> ensure(
      ImageReference ref, ResolvedImage image, int index, String diffId, PullListener listener, LongAdder bytes) {
    String hex;
    try {
      hex = Digests.hex(diffId);
    } catch (RegistryException e) {
      return CompletableFuture.failedFuture(e);
    }
    synchronized (inFlight) {
      Path rootfs = layout.rootfs(hex);
      if (Files.isDirectory(rootfs)) {
        return CompletableFuture.completedFuture(rootfs);
      }
      CompletableFuture<Path> running = inFlight.get(hex);
      if (running != null) {
        return running;
      }
      CompletableFuture<Path> made = CompletableFuture.supplyAsync(() -> {
        try {
          return make(ref, image, index, diffId, listener, bytes);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }, executor);
      inFlight.put(hex, made);
      made.whenComplete((p, e) -> inFlight.remove(hex));
      return made;
    }
  }

  private Path make(ImageReference ref, ResolvedImage image, int index, String diffId, PullListener listener,
      LongAdder bytes) throws IOException {
    Descriptor layer = image.layers().get(index);
    String hex = Digests.hex(diffId);
    Path blob = download(ref, image, index, diffId, listener, bytes);
    try {
      String actual = uncompressedDigest(blob);
      if (!actual.equals(diffId)) {
        throw new RegistryException("diff_id mismatch for layer '" + name(layer, diffId) + "': the config says '"
            + diffId + "', the layer is '" + actual + "'");
      }
      Path work = layout.tmpPath("layer-" + hex);
      try {
        Files.createDirectories(work.resolve("rootfs"));
        unpacker.unpack(blob, work.resolve("rootfs"));
        Files.move(work, layout.layer(hex), StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException | RuntimeException e) {
        MountSafeDelete.deleteRecursively(work);
        throw new RegistryException("failed to unpack layer '" + name(layer, diffId) + "': " + e.getMessage(), e);
      }
      LOG.debug("Unpacked layer '{}' into '{}'", diffId, layout.layer(hex));
      return layout.rootfs(hex);
    } finally {
      Files.deleteIfExists(blob);
    }
  }

  /** The verified blob in {@code blobs/} (or, without a digest, in {@code tmp/}). */
  private Path download(ImageReference ref, ResolvedImage image, int index, String diffId, PullListener listener,
      LongAdder bytes) throws IOException {
    Descriptor layer = image.layers().get(index);
    Path kept = layer.digest() == null ? null : layout.blob(Digests.hex(layer.digest()));
    if (kept != null && Files.isRegularFile(kept)) {
      return kept;
    }
    String name = name(layer, diffId);
    Path tmp = layout.tmpPath("blob");
    try {
      long size = source.fetch(ref, image, index, tmp, done -> listener.layerProgress(name, done, layer.size()));
      bytes.add(size);
      if (kept == null) {
        return tmp;
      }
      Files.move(tmp, kept, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return kept;
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
  }

  private static String name(Descriptor layer, String diffId) {
    return layer.digest() != null ? layer.digest() : diffId;
  }

  /** sha256 of a layer's tar: through gunzip if the blob starts with gzip's magic, else as is. */
  static String uncompressedDigest(Path blob) throws IOException {
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(blob), 64 << 10)) {
      raw.mark(4);
      byte[] magic = raw.readNBytes(4);
      raw.reset();
      if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
        try (InputStream gz = GzipCompressorInputStream.builder().setInputStream(raw).setDecompressConcatenated(true).get()) {
          return Digests.of(gz);
        }
      }
      if (magic.length == 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5
          && (magic[2] & 0xff) == 0x2f && (magic[3] & 0xff) == 0xfd) {
        throw new RegistryException("zstd-compressed layers are not supported");
      }
      return Digests.of(raw);
    }
  }
}
