package io.corral.images.store;

import io.corral.images.ImageReference;
import io.corral.images.registry.RegistryException;
import io.corral.images.unpack.LayerUnpacker;
import io.corral.posix.MountSafeDelete;
import io.corral.proto.v1.ImageStoreIndex;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mesos' docker store ({@code provisioner/docker/store.cpp}): images by name, pulled from an
 * {@link ImageSource}, kept in {@code --docker_store_dir} ({@link StoreLayout}) as verified,
 * unpacked layers shared between images, with a small index from names to manifest digests.
 *
 * <p>{@link #get} answers a cached image from the index without the network; otherwise it pulls,
 * and concurrent gets of one image share one pull, as concurrent needs of one layer share one
 * download ({@link LayerCache}). {@link #recover} (run by {@link #open}) deletes what an
 * interrupted pull left in {@code tmp/}. {@link #prune} removes images nobody keeps and the layers
 * only they used.
 *
 * <p>Threading: the methods may be called from any thread; {@code get} returns at once and does
 * its blocking work (HTTP, hashing, unpacking) on the given executor, which must not be the
 * actors' default dispatcher. No task waits for another, so any pool size works.
 */
public final class ImageStore {
  private static final Logger LOG = LoggerFactory.getLogger(ImageStore.class);

  private final StoreLayout layout;
  private final StoreIndex index;
  private final ImageSource source;
  private final LayerCache layers;
  private final Executor executor;
  private final Map<String, Pull> pulls = new ConcurrentHashMap<>();

  /** One pull under way and the listeners of every get waiting for it. */
  private static final class Pull {
    final MulticastListener listeners = new MulticastListener();
    final CompletableFuture<StoredImage> result = new CompletableFuture<>();
    /** The layers this pull needs (hex diff_ids), set under the store's lock before any is made. */
    Set<String> layers = Set.of();
  }

  private ImageStore(StoreLayout layout, ImageSource source, LayerUnpacker unpacker, Executor executor) {
    this.layout = layout;
    this.index = new StoreIndex(layout);
    this.source = source;
    this.executor = executor;
    this.layers = new LayerCache(layout, source, unpacker, executor);
  }

  /** Opens (creating it 0700 if needed) and recovers the store in {@code directory}. */
  public static ImageStore open(Path directory, ImageSource source, LayerUnpacker unpacker, Executor executor)
      throws IOException {
    ImageStore store = new ImageStore(new StoreLayout(directory), source, unpacker, executor);
    store.layout.create();
    store.recover();
    return store;
  }

  /** The store's directory. */
  public Path directory() {
    return layout.root();
  }

  /**
   * Deletes everything in {@code tmp/} (downloads and unpacks an interrupted pull left) and
   * reloads the index. Call it only when no pull is under way, as {@link #open} does.
   */
  public void recover() throws IOException {
    try (DirectoryStream<Path> stale = Files.newDirectoryStream(layout.tmp())) {
      for (Path p : stale) {
        LOG.info("Removing '{}' left by an interrupted pull", p);
        MountSafeDelete.deleteRecursively(p);
      }
    }
    index.load();
  }

  /**
   * The image {@code reference}, pulled if it is not in the store. The stage fails with an
   * {@link ImagePullException} ("Failed to pull image 'ref': cause") and then leaves nothing but
   * layers that were complete and verified.
   */
  public CompletionStage<StoredImage> get(ImageReference reference, PullListener listener) {
    return get(reference, listener, true);
  }

  /**
   * The image {@code reference} pulled again even if the store has it (Mesos' {@code
   * Image.cached = false}: a tag is resolved anew); layers already stored are not downloaded
   * again. Joins a pull of the same image under way.
   */
  public CompletionStage<StoredImage> refresh(ImageReference reference, PullListener listener) {
    return get(reference, listener, false);
  }

  private CompletionStage<StoredImage> get(ImageReference reference, PullListener listener, boolean useCache) {
    ImageReference ref = source.normalize(reference);
    String key = ref.toString();
    long start = System.nanoTime();
    Pull pull;
    boolean mine = false;
    synchronized (pulls) {
      StoredImage cached = useCache ? cached(key) : null;
      if (cached != null) {
        listener.finished(new PullListener.PullStats(key, true, true, 0, Duration.ofNanos(System.nanoTime() - start)));
        return CompletableFuture.completedFuture(cached);
      }
      pull = pulls.get(key);
      if (pull == null) {
        pull = new Pull();
        pulls.put(key, pull);
        mine = true;
      }
      pull.listeners.add(listener);
    }
    if (mine) {
      try {
        start(ref, pull, start);
      } catch (RuntimeException e) {
        // The executor refused the work (it is shutting down): fail this pull, keep no entry.
        pulls.remove(key);
        pull.result.completeExceptionally(failure(key, e));
      }
    }
    return pull.result.copy();
  }

  /** The image if the index has it and all its layers are unpacked; no network. */
  public StoredImage cached(ImageReference reference) {
    return cached(source.normalize(reference).toString());
  }

  private StoredImage cached(String key) {
    ImageStoreIndex.Image image = index.get(key);
    if (image == null) {
      return null;
    }
    List<Path> rootfs = new ArrayList<>();
    for (String diffId : image.getDiffIdsList()) {
      Path p = layout.rootfs(diffId.substring("sha256:".length()));
      if (!Files.isDirectory(p)) {
        return null;
      }
      rootfs.add(p);
    }
    return new StoredImage(key, image.getManifestDigest(), image.getConfig(), rootfs);
  }

  private void start(ImageReference ref, Pull pull, long start) {
    String key = ref.toString();
    LongAdder bytes = new LongAdder();
    CompletableFuture.supplyAsync(() -> {
      try {
        return source.resolve(ref);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }, executor)
        .thenCompose(resolved -> unpackAll(ref, resolved, pull, bytes))
        .whenComplete((image, error) -> {
          pulls.remove(key);
          Duration took = Duration.ofNanos(System.nanoTime() - start);
          pull.listeners.finished(new PullListener.PullStats(key, false, error == null, bytes.sum(), took));
          if (error == null) {
            LOG.info("Pulled image '{}' ({} bytes in {} ms)", key, bytes.sum(), took.toMillis());
            pull.result.complete(image);
          } else {
            pull.result.completeExceptionally(failure(key, error));
          }
        });
  }

  private CompletableFuture<StoredImage> unpackAll(ImageReference ref, ResolvedImage resolved, Pull pull, LongAdder bytes) {
    ImageConfigs.Parsed config;
    try {
      config = ImageConfigs.parse(resolved.config());
      if (config.diffIds().size() != resolved.layers().size()) {
        throw new RegistryException("the manifest has " + resolved.layers().size() + " layers but the config "
            + config.diffIds().size() + " diff_ids");
      }
    } catch (RegistryException e) {
      return CompletableFuture.failedFuture(e);
    }
    synchronized (pulls) {
      // prune() keeps these layers from now on, even those already complete.
      pull.layers = config.diffIds().stream().map(d -> d.substring("sha256:".length())).collect(Collectors.toSet());
    }
    List<CompletableFuture<Path>> made = new ArrayList<>();
    for (int i = 0; i < resolved.layers().size(); i++) {
      made.add(layers.ensure(ref, resolved, i, config.diffIds().get(i), pull.listeners, bytes));
    }
    return CompletableFuture.allOf(made.toArray(CompletableFuture[]::new)).thenApplyAsync(v -> {
      ImageStoreIndex.Image entry = ImageStoreIndex.Image.newBuilder()
          .setReference(ref.toString())
          .setManifestDigest(resolved.digest())
          .setConfig(config.config())
          .addAllDiffIds(config.diffIds())
          .setPulledAtMillis(System.currentTimeMillis())
          .build();
      try {
        index.put(entry);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return new StoredImage(ref.toString(), resolved.digest(), config.config(), made.stream().map(f -> f.join()).toList());
    }, executor);
  }

  private static ImagePullException failure(String key, Throwable error) {
    Throwable cause = error;
    while ((cause instanceof CompletionException || cause instanceof UncheckedIOException) && cause.getCause() != null) {
      cause = cause.getCause();
    }
    String message = cause.getMessage() != null ? cause.getMessage() : cause.toString();
    return new ImagePullException(key, message, cause);
  }

  /**
   * Removes every image whose reference is not in {@code keep} (names as the caller knows them,
   * normalized here), then every layer no remaining image needs and no pull is making, and
   * verified blobs left over. The caller passes every image in use. Returns the removed references.
   */
  public Set<String> prune(Set<String> keep) throws IOException {
    Set<String> kept = new HashSet<>();
    for (String name : keep) {
      kept.add(source.normalize(ImageReference.parse(name)).toString());
    }
    synchronized (pulls) {
      kept.addAll(pulls.keySet());
      Set<String> removed = index.removeIf(image -> !kept.contains(image.getReference()));
      Set<String> needed = new HashSet<>();
      pulls.values().forEach(p -> needed.addAll(p.layers));
      for (ImageStoreIndex.Image image : index.all()) {
        image.getDiffIdsList().forEach(d -> needed.add(d.substring("sha256:".length())));
      }
      try (DirectoryStream<Path> dirs = Files.newDirectoryStream(layout.layers())) {
        for (Path dir : dirs) {
          String hex = dir.getFileName().toString();
          if (!needed.contains(hex) && !layers.inFlight(hex)) {
            LOG.info("Removing unused layer '{}'", dir);
            MountSafeDelete.deleteRecursively(dir);
          }
        }
      }
      LOG.info("Pruned images {} from the store '{}'", removed, layout.root());
      return removed;
    }
  }
}
