package io.corral.images;

import io.corral.images.backend.Backends;
import io.corral.images.backend.RootfsBackend;
import io.corral.images.registry.RegistrySettings;
import io.corral.images.store.ImageSources;
import io.corral.images.store.ImageStore;
import io.corral.images.store.PullListener;
import io.corral.images.store.StoredImage;
import io.corral.images.unpack.TarLayerUnpacker;
import io.corral.posix.AtomicFiles;
import io.corral.posix.FileNodes;
import io.corral.posix.OverlayMounts;
import io.corral.posix.PrivateDirectory;
import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.Image;
import io.corral.proto.v1.ProvisionedRootfs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The provisioner of Docker images (Mesos' {@code --image_providers=docker}): the image from the
 * {@link ImageStore} (pulled once, shared), and each container's root filesystem made from its
 * layers by the {@link RootfsBackend} in {@code <containers>/<id>}, with a record of what it was
 * made from ({@code provisioned}, a {@link ProvisionedRootfs}) so that a restarted agent knows
 * which images are in use.
 *
 * <p>A container's provisioning and its destroy are ordered by a per-container generation: a
 * destroy ends the generation, so a pull that finishes after it makes nothing, and a new launch
 * with the same id (after REMOVE) starts a new one that the old pull cannot touch.
 *
 * <p>Threading: {@link #provision} returns at once; the pull runs on the store's executor and
 * the root filesystem is made on {@code executor}. The other methods block; per container they
 * are serialized by the generation's lock.
 */
public final class DockerProvisioner implements Provisioner {
  private static final Logger LOG = LoggerFactory.getLogger(DockerProvisioner.class);
  /** The record of a provisioned container, next to its root filesystem. */
  static final String RECORD = "provisioned";
  /** Where destroyed root filesystems wait to be deleted (no container id starts with '.'). */
  static final String TRASH = ".trash";

  private final ImageStore store;
  private final RootfsBackend backend;
  private final Path containers;
  private final Executor executor;
  private final PullListener listener;
  private final Map<String, Generation> generations = new ConcurrentHashMap<>();

  /**
   * One provisioning of one container id: the image it asked for (kept by prune from the start),
   * {@code rootfs} once made, {@code ended} once destroyed.
   */
  private static final class Generation {
    final String image;
    ProvisionedRootfs rootfs;
    boolean ended;

    Generation(String image) {
      this.image = image;
    }
  }

  /**
   * @param containers where each container's root filesystem is made ({@code <containers>/<id>}),
   *     created 0700 if missing
   * @param listener told of every pull (metrics)
   */
  public DockerProvisioner(ImageStore store, RootfsBackend backend, Path containers, Executor executor,
      PullListener listener) throws IOException {
    this.store = store;
    this.backend = backend;
    this.containers = containers;
    this.executor = executor;
    this.listener = listener;
    PrivateDirectory.ensure(containers, 0);
  }

  /**
   * The provisioner an agent's flags describe: the store in {@code storeDir} fed from
   * {@code dockerRegistry} (a URL or an archive directory), layers unpacked for the backend named
   * {@code backendName} (or the best one for the store), root filesystems in {@code containersDir}.
   *
   * @throws IllegalArgumentException for a bad registry or backend name
   */
  public static DockerProvisioner create(Path storeDir, Path containersDir, String dockerRegistry,
      RegistrySettings registry, Optional<String> backendName, Executor executor, PullListener listener)
      throws IOException {
    Backends backends = new Backends(FileNodes.nativeDefault(), OverlayMounts.nativeDefault());
    PrivateDirectory.ensure(storeDir, 0);
    RootfsBackend backend = backendName.isPresent() ? backends.byName(backendName.get())
        : backends.defaultFor(storeDir);
    TarLayerUnpacker unpacker = new TarLayerUnpacker(FileNodes.nativeDefault(), Backends.whiteouts(backend.name()));
    ImageStore store = ImageStore.open(storeDir, ImageSources.forFlag(dockerRegistry, registry), unpacker, executor);
    LOG.info("Images from '{}' into the store '{}' with the {} backend", dockerRegistry, storeDir, backend.name());
    return new DockerProvisioner(store, backend, containersDir, executor, listener);
  }

  /** The store the images come from. */
  public ImageStore store() {
    return store;
  }

  @Override
  public Optional<String> invalid(Image image) {
    if (image.getType() != Image.Type.DOCKER) {
      return Optional.of("Unsupported container image type '" + image.getType() + "': Corral provisions DOCKER");
    }
    if (!image.hasDocker() || image.getDocker().getName().isEmpty()) {
      return Optional.of("An image of type DOCKER needs 'docker.name'");
    }
    try {
      ImageReference.parse(image.getDocker().getName());
      return Optional.empty();
    } catch (IllegalArgumentException e) {
      return Optional.of(e.getMessage());
    }
  }

  @Override
  public CompletionStage<ProvisionedRootfs> provision(ContainerID id, Image image) {
    ImageReference reference = ImageReference.parse(image.getDocker().getName());
    Generation generation = new Generation(image.getDocker().getName());
    generations.put(id.getValue(), generation);
    CompletionStage<StoredImage> stored = image.getCached() ? store.get(reference, listener)
        : store.refresh(reference, listener);
    return stored.thenApplyAsync(s -> make(id.getValue(), generation, s), executor);
  }

  private ProvisionedRootfs make(String id, Generation generation, StoredImage stored) {
    synchronized (generation) {
      if (generation.ended) {
        throw new IllegalStateException("Failed to provision container '" + id + "': it was destroyed");
      }
      Path dir = containers.resolve(id);
      try {
        Files.createDirectories(dir);
        Path rootfs = backend.provision(stored.layers(), dir);
        ProvisionedRootfs made = ProvisionedRootfs.newBuilder().setRootfs(rootfs.toString())
            .setBackend(backend.name()).setImageReference(stored.reference())
            .setManifestDigest(stored.manifestDigest()).setConfig(stored.config()).build();
        AtomicFiles.write(dir.resolve(RECORD), made);
        generation.rootfs = made;
        LOG.info("Provisioned container '{}' from image '{}' with the {} backend", id, stored.reference(),
            backend.name());
        return made;
      } catch (IOException e) {
        throw new UncheckedIOException("Failed to provision the root filesystem of container '" + id + "'", e);
      }
    }
  }

  /**
   * Unmounts the container's root filesystem, then moves its directory into {@code .trash} and
   * deletes it there off the caller's thread (a container's writable layer can be large; the
   * container is TERMINATED without waiting for it). What a crash leaves in {@code .trash} is
   * deleted by {@link #recover}.
   */
  @Override
  public void destroy(ContainerID id) throws IOException {
    Generation generation = generations.remove(id.getValue());
    if (generation == null) {
      release(id.getValue());
      return;
    }
    synchronized (generation) {
      generation.ended = true;
      release(id.getValue());
    }
  }

  private void release(String id) throws IOException {
    Path dir = containers.resolve(id);
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    backend.unmount(dir);
    Path trash = Files.createDirectories(containers.resolve(TRASH)).resolve(id + "-" + System.nanoTime());
    Files.move(dir, trash, StandardCopyOption.ATOMIC_MOVE);
    executor.execute(() -> emptyTrash(trash));
  }

  private void emptyTrash(Path trash) {
    try {
      backend.destroy(trash);
    } catch (IOException | RuntimeException e) {
      LOG.warn("Failed to delete '{}' (it is deleted again when the agent restarts): {}", trash, e.toString());
    }
  }

  @Override
  public void recover(Set<ContainerID> live) throws IOException {
    Set<String> ids = new HashSet<>();
    live.forEach(c -> ids.add(c.getValue()));
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(containers)) {
      for (Path dir : dirs) {
        String id = dir.getFileName().toString();
        if (id.equals(TRASH)) {
          try (DirectoryStream<Path> trashed = Files.newDirectoryStream(dir)) {
            for (Path t : trashed) {
              backend.destroy(t);
            }
          }
        } else if (!ids.contains(id)) {
          LOG.info("Removing the root filesystem of container '{}', which no longer exists", id);
          backend.destroy(dir);
        } else if (Files.exists(dir.resolve(RECORD))) {
          ProvisionedRootfs record = ProvisionedRootfs.parseFrom(Files.readAllBytes(dir.resolve(RECORD)));
          Generation recovered = new Generation(record.getImageReference());
          recovered.rootfs = record;
          generations.put(id, recovered);
        }
      }
    }
  }

  @Override
  public void prune(List<Image> excluded) throws IOException {
    Set<String> keep = new HashSet<>();
    excluded.stream().filter(i -> i.getType() == Image.Type.DOCKER).forEach(i -> keep.add(i.getDocker().getName()));
    generations.values().forEach(g -> keep.add(g.image));
    store.prune(keep);
  }
}
