package io.corral.images.store;

import io.corral.images.ImageReference;
import io.corral.images.registry.Descriptor;
import io.corral.images.registry.Digests;
import io.corral.images.registry.RegistryException;
import io.corral.images.unpack.Compression;
import io.corral.images.unpack.LayerUnpacker;
import io.corral.posix.MountSafeDelete;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's unpacked layers, keyed by diff_id: {@link #ensure} makes {@code layers/<hex>/rootfs}
 * exist, once, however many images and gets ask for it at the same time (a map of in-flight
 * futures). Making a layer is one pass over the blob as it arrives from the source: the source
 * digests the compressed bytes, the cache decompresses them, digests the tar for its diff_id and
 * has the {@link LayerUnpacker} unpack it into {@code tmp/}; only when both digests match is the
 * directory renamed into {@code layers/}. Nothing is unpacked outside {@code tmp/} before it is
 * verified (the unpacker refuses escapes whatever the bytes are), no blob is written to disk,
 * and a failure deletes the directory. The blocking work runs on the executor.
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
    String name = name(layer, diffId);
    String hex = Digests.hex(diffId);
    Path work = layout.tmpPath("layer-" + hex);
    long[] size = {0};
    try {
      String actual = source.read(ref, image, index, done -> {
        size[0] = done;
        listener.layerProgress(name, done, layer.size());
      }, blob -> unpack(blob, work));
      if (!actual.equals(diffId)) {
        throw new RegistryException("diff_id mismatch for layer '" + name + "': the config says '" + diffId
            + "', the layer is '" + actual + "'");
      }
      Files.move(work, layout.layer(hex), StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException e) {
      MountSafeDelete.deleteRecursively(work);
      if (e instanceof RegistryException) {
        throw e;
      }
      throw new RegistryException("failed to unpack layer '" + name + "': " + e.getMessage(), e);
    }
    bytes.add(size[0]);
    LOG.debug("Unpacked layer '{}' into '{}'", diffId, layout.layer(hex));
    return layout.rootfs(hex);
  }

  /**
   * One attempt at a layer, in one pass over its bytes as they arrive: decompress, digest the
   * tar for its diff_id and unpack it into an empty {@code work/rootfs}; returns the digest. A
   * retried transfer calls it again, so it starts from an empty directory.
   */
  private String unpack(InputStream blob, Path work) throws IOException {
    MountSafeDelete.deleteRecursively(work);
    Files.createDirectories(work.resolve("rootfs"));
    MessageDigest md = Digests.sha256();
    InputStream tar = new DigestInputStream(Compression.decompress(blob), md);
    unpacker.unpack(tar, work.resolve("rootfs"));
    tar.transferTo(OutputStream.nullOutputStream());
    return Digests.format(md);
  }

  private static String name(Descriptor layer, String diffId) {
    return layer.digest() != null ? layer.digest() : diffId;
  }
}
