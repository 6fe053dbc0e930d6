package io.corral.images.backend;

import io.corral.images.unpack.WhiteoutFormat;
import io.corral.posix.FileNodes;
import io.corral.posix.OverlayMounts;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The rootfs backends by Mesos' {@code --image_provisioner_backend} names, over the posix roles
 * they need. Mesos' default is the best the store's file system supports: {@code overlay} where
 * the kernel has it and the store is not itself on overlayfs, else {@code copy}. Immutable.
 */
public final class Backends {
  private final FileNodes nodes;
  private final OverlayMounts mounts;

  public Backends(FileNodes nodes, OverlayMounts mounts) {
    this.nodes = nodes;
    this.mounts = mounts;
  }

  /** {@code overlay} or {@code copy}; anything else is refused. */
  public RootfsBackend byName(String name) {
    return switch (name) {
      case OverlayBackend.NAME -> new OverlayBackend(mounts);
      case CopyBackend.NAME -> new CopyBackend(nodes);
      default -> throw new IllegalArgumentException("Unknown image provisioner backend '" + name
          + "'; expected 'overlay' or 'copy'");
    };
  }

  /** Overlay where {@link OverlayBackend#supported} says so for {@code storeDir}, else copy. */
  public RootfsBackend defaultFor(Path storeDir) throws IOException {
    return byName(OverlayBackend.supported(storeDir) ? OverlayBackend.NAME : CopyBackend.NAME);
  }

  /** The whiteout form the layers of backend {@code name} must be unpacked in. */
  public static WhiteoutFormat whiteouts(String name) {
    return switch (name) {
      case OverlayBackend.NAME -> WhiteoutFormat.OVERLAY;
      case CopyBackend.NAME -> WhiteoutFormat.COPY;
      default -> throw new IllegalArgumentException("Unknown image provisioner backend '" + name + "'");
    };
  }
}
