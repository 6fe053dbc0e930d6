package io.corral.images.backend;

import io.corral.images.unpack.FileTrees;
import io.corral.posix.FileNodes;
import io.corral.posix.MountInfo;
import io.corral.posix.MountSafeDelete;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Mesos' {@code copy} backend: copies the layers (with whiteouts in either
 * {@link io.corral.images.unpack.WhiteoutFormat}) bottom to top into
 * {@code <containerDir>/rootfs}, applying each layer's whiteouts before its files
 * ({@link LayerCopier}). Works on any file system (overlayfs included) at the cost of a full copy
 * per container; the container writes into its copy.
 *
 * <p>Threading: blocking; any thread. Stateless.
 */
public final class CopyBackend implements RootfsBackend {
  public static final String NAME = "copy";

  private final FileNodes nodes;
  private final Path mountinfo;

  public CopyBackend(FileNodes nodes) {
    this(nodes, MountInfo.SELF);
  }

  CopyBackend(FileNodes nodes, Path mountinfo) {
    this.nodes = nodes;
    this.mountinfo = mountinfo;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Path provision(List<Path> layers, Path containerDir) throws IOException {
    Path rootfs = containerDir.resolve("rootfs");
    String failure = "Failed to provision a copied rootfs in '" + containerDir + "': ";
    if (layers.isEmpty()) {
      throw new IOException(failure + "no layers");
    }
    Files.createDirectories(rootfs);
    Files.setAttribute(rootfs, "unix:mode", 0755);
    for (Path layer : layers) {
      try {
        new LayerCopier(layer, rootfs, nodes).apply();
      } catch (IOException | RuntimeException e) {
        IOException failed = new IOException(failure + "copying layer '" + layer + "': " + e.getMessage(), e);
        try {
          FileTrees.delete(rootfs);
        } catch (IOException cleanup) {
          failed.addSuppressed(cleanup);
        }
        throw failed;
      }
    }
    return rootfs;
  }

  @Override
  public void destroy(Path containerDir) throws IOException {
    List<Path> kept = MountSafeDelete.deleteRecursively(containerDir, mountinfo);
    if (!kept.isEmpty()) {
      throw new IOException("Failed to destroy '" + containerDir + "': still mounted " + kept);
    }
  }
}
