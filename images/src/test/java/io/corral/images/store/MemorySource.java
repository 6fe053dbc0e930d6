package io.corral.images.store;

import io.corral.images.ImageReference;
import io.corral.images.registry.BlobReader;
import io.corral.images.registry.Descriptor;
import io.corral.images.registry.Digests;
import io.corral.images.registry.MediaTypes;
import io.corral.images.registry.RegistryException;
import io.corral.images.testing.LayerTar;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;

/**
 * An in-memory {@link ImageSource} for the store's own tests: images made of tiny layer tars,
 * a count of fetches per layer, a gate that holds fetches, and layers whose bytes lie about
 * their diff_id. The registry and archive sources have their own tests against the real thing.
 */
final class MemorySource implements ImageSource {
  private final Map<String, ResolvedImage> images = new ConcurrentHashMap<>();
  private final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> fetches = new ConcurrentHashMap<>();
  private volatile CountDownLatch gate = new CountDownLatch(0);
  final AtomicInteger waiting = new AtomicInteger();

  /** The plain tar of layer {@code n}: one file {@code /f<n>}. */
  static byte[] layer(int n) {
    return new LayerTar().file("f" + n, 0644, "content " + n + "\n").bytes();
  }

  static String diffId(int n) {
    return Digests.of(layer(n));
  }

  /** Adds image {@code name} made of layers {@code ns}, bottom first. */
  MemorySource image(String name, int... ns) {
    List<String> diffIds = new ArrayList<>();
    for (int n : ns) {
      diffIds.add(diffId(n));
    }
    return image(name, diffIds, ns);
  }

  /** Adds an image whose config claims {@code diffIds} for the layers {@code ns}. */
  MemorySource image(String name, List<String> diffIds, int... ns) {
    List<Descriptor> layers = new ArrayList<>();
    for (int n : ns) {
      byte[] tar = layer(n);
      String digest = Digests.of(tar);
      blobs.put(digest, tar);
      layers.add(new Descriptor(MediaTypes.OCI_LAYER, digest, tar.length));
    }
    String config = "{\"config\":{\"Cmd\":[\"/f\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
        + String.join("\",\"", diffIds) + "\"]}}";
    byte[] bytes = config.getBytes(StandardCharsets.UTF_8);
    images.put(normalize(ImageReference.parse(name)).toString(), new ResolvedImage(Digests.of(bytes), bytes, layers));
    return this;
  }

  /** Fetches wait until {@link #open()}. */
  void close() {
    gate = new CountDownLatch(1);
  }

  void open() {
    gate.countDown();
  }

  int fetches(int layer) {
    AtomicInteger n = fetches.get(Digests.of(layer(layer)));
    return n == null ? 0 : n.get();
  }

  @Override
  public ImageReference normalize(ImageReference reference) {
    return reference.normalize(null);
  }

  @Override
  public ResolvedImage resolve(ImageReference reference) throws IOException {
    ResolvedImage image = images.get(reference.toString());
    if (image == null) {
      throw new RegistryException("no image '" + reference + "' here");
    }
    return image;
  }

  @Override
  public <T> T read(ImageReference reference, ResolvedImage image, int index, LongConsumer progress,
      BlobReader<T> reader) throws IOException {
    String digest = image.layers().get(index).digest();
    fetches.computeIfAbsent(digest, d -> new AtomicInteger()).incrementAndGet();
    waiting.incrementAndGet();
    try {
      if (!gate.await(60, TimeUnit.SECONDS)) {
        throw new IOException("the test never opened the gate");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    } finally {
      waiting.decrementAndGet();
    }
    byte[] bytes = blobs.get(digest);
    T result = reader.read(new ByteArrayInputStream(bytes));
    progress.accept(bytes.length);
    return result;
  }
}
