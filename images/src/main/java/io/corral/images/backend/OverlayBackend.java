package io.corral.images.backend;

import io.corral.images.unpack.FileTrees;
import io.corral.posix.Errno;
import io.corral.posix.LinuxException;
import io.corral.posix.MountInfo;
import io.corral.posix.MountSafeDelete;
import io.corral.posix.OverlayMounts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mesos' {@code overlay} backend: the layers (unpacked with overlayfs whiteouts) are the lower
 * directories of an overlay mounted at {@code <containerDir>/rootfs}, whose upper and work
 * directories are {@code <containerDir>/upper} and {@code <containerDir>/work}, so the
 * container's writes land there and the layers stay untouched.
 *
 * <p>NOTE: the kernel reads the mount options as one page (4096 bytes with the NUL), and cuts a
 * longer string silently mid-path (the mount then fails with a misleading ENOENT). As Mesos does,
 * the lower directories are named through short symbolic links {@code <containerDir>/links/0}
 * .. {@code N-1}, so the options grow by the length of {@code containerDir} per layer, not by
 * the store's paths; a string still over the page is refused before mounting.
 *
 * <p>NOTE: an upper directory cannot sit on overlayfs; {@link #supported} says whether a store
 * can use this backend, and {@link #provision} refuses a container directory on overlayfs.
 *
 * <p>Threading: blocking; any thread. Stateless apart from the mount table it changes.
 */
public final class OverlayBackend implements RootfsBackend {
  public static final String NAME = "overlay";
  /** The longest option string the kernel reads whole: one page less its NUL. */
  static final int MAX_OPTIONS = 4095;
  private static final Logger LOG = LoggerFactory.getLogger(OverlayBackend.class);
  private static final int MAX_UNMOUNT_ROUNDS = 32;
  private static final String VOLATILE = ",volatile";
  /** Set once the kernel refused {@code volatile}; any thread. */
  private static volatile boolean volatileRefused;
  private static final Path FILESYSTEMS = Path.of("/proc/filesystems");

  private final OverlayMounts mounts;
  private final Path mountinfo;

  public OverlayBackend(OverlayMounts mounts) {
    this(mounts, MountInfo.SELF);
  }

  OverlayBackend(OverlayMounts mounts, Path mountinfo) {
    this.mounts = mounts;
    this.mountinfo = mountinfo;
  }

  @Override
  public String name() {
    return NAME;
  }

  /** Whether the kernel has overlayfs and {@code storeDir} (or its nearest existing parent) is not on it. */
  public static boolean supported(Path storeDir) throws IOException {
    return kernelHasOverlay(FILESYSTEMS) && !onOverlay(storeDir);
  }

  static boolean kernelHasOverlay(Path filesystems) throws IOException {
    return Files.readAllLines(filesystems).stream()
        .anyMatch(line -> line.substring(line.lastIndexOf('\t') + 1).trim().equals("overlay"));
  }

  /** Whether {@code dir}, or its nearest existing parent, is on overlayfs. */
  static boolean onOverlay(Path dir) throws IOException {
    Path existing = dir.toAbsolutePath();
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    return existing != null && Files.getFileStore(existing).type().equals("overlay");
  }

  @Override
  public Path provision(List<Path> layers, Path containerDir) throws IOException {
    Path rootfs = containerDir.resolve("rootfs");
    String failure = "Failed to provision an overlay rootfs in '" + containerDir + "': ";
    if (layers.isEmpty()) {
      throw new IOException(failure + "no layers");
    }
    if (onOverlay(containerDir)) {
      throw new IOException(failure + "it is on overlayfs, which cannot hold an upper directory; use the copy backend");
    }
    String dir = containerDir.toAbsolutePath().toString();
    if (dir.contains(",") || dir.contains(":") || dir.contains("\\")) {
      throw new IOException(failure + "its path has a ',', ':' or '\\', which overlay options cannot carry");
    }
    String options = options(layers.size(), containerDir.toAbsolutePath());
    int length = options.getBytes(StandardCharsets.UTF_8).length + VOLATILE.length();
    if (length > MAX_OPTIONS) {
      throw new IOException(failure + "the mount options for " + layers.size() + " layers are " + length
          + " bytes, more than the kernel's " + MAX_OPTIONS);
    }
    try {
      makeDirectories(layers, containerDir);
      mount(rootfs, options);
    } catch (IOException | RuntimeException e) {
      removeMade(containerDir, e);
      throw new IOException(failure + e.getMessage(), e);
    }
    LOG.debug("Mounted an overlay of {} layers at '{}'", layers.size(), rootfs);
    return rootfs;
  }

  /**
   * Mounts with {@code volatile} (Linux 5.10+): a container's writable layer is never synced, so
   * its unmount at destroy does not wait for one; a kernel that refuses the option mounts without
   * it from then on. The layer needs no durability: nothing remounts it after a host crash, when
   * the container is gone anyway.
   */
  private void mount(Path rootfs, String options) {
    if (!volatileRefused) {
      try {
        mounts.mountOverlay(rootfs, options + VOLATILE);
        return;
      } catch (LinuxException e) {
        if (e.errno() != Errno.EINVAL) {
          throw e;
        }
        LOG.info("The kernel refuses overlay's 'volatile' option; mounting without it");
        volatileRefused = true;
      }
    }
    mounts.mountOverlay(rootfs, options);
  }

  /** {@code lowerdir} (top-most layer first, through the links), {@code upperdir}, {@code workdir}. */
  private static String options(int layers, Path containerDir) {
    StringBuilder lower = new StringBuilder("lowerdir=");
    for (int i = layers - 1; i >= 0; i--) {
      lower.append(containerDir.resolve("links").resolve(Integer.toString(i)));
      lower.append(i > 0 ? ":" : "");
    }
    return lower + ",upperdir=" + containerDir.resolve("upper") + ",workdir=" + containerDir.resolve("work");
  }

  private static void makeDirectories(List<Path> layers, Path containerDir) throws IOException {
    Path links = Files.createDirectories(containerDir.resolve("links"));
    for (int i = 0; i < layers.size(); i++) {
      Files.createSymbolicLink(links.resolve(Integer.toString(i)), layers.get(i).toAbsolutePath());
    }
    // The upper directory's root is the rootfs' root: as an image's, 0755 and root's.
    Path upper = Files.createDirectories(containerDir.resolve("upper"));
    Files.setAttribute(upper, "unix:mode", 0755);
    Files.createDirectories(containerDir.resolve("work"));
    Files.createDirectories(containerDir.resolve("rootfs"));
  }

  private static void removeMade(Path containerDir, Exception cause) {
    for (String made : List.of("links", "upper", "work", "rootfs")) {
      try {
        FileTrees.delete(containerDir.resolve(made));
      } catch (IOException e) {
        cause.addSuppressed(e);
      }
    }
  }

  @Override
  public void destroy(Path containerDir) throws IOException {
    if (!Files.exists(containerDir)) {
      return;
    }
    unmount(containerDir);
    List<Path> kept = MountSafeDelete.deleteRecursively(containerDir, mountinfo);
    if (!kept.isEmpty()) {
      throw new IOException("Failed to destroy '" + containerDir + "': still mounted " + kept);
    }
  }

  @Override
  public void unmount(Path containerDir) throws IOException {
    if (!Files.exists(containerDir)) {
      return;
    }
    Path rootfs = containerDir.toRealPath().resolve("rootfs");
    try {
      unmountAll(rootfs);
    } catch (LinuxException e) {
      throw new IOException("Failed to destroy the overlay rootfs '" + rootfs + "': " + e.getMessage(), e);
    }
  }

  /**
   * Unmounts {@code rootfs} and everything mounted below it, deepest first, lazily (so a
   * process still inside does not keep it); stacked mounts go one by one.
   */
  private void unmountAll(Path rootfs) throws IOException {
    for (int round = 0; round < MAX_UNMOUNT_ROUNDS; round++) {
      List<MountInfo.Entry> under = new ArrayList<>(MountInfo.read(mountinfo).stream()
          .filter(m -> m.mountPoint().startsWith(rootfs)).toList());
      if (under.isEmpty()) {
        return;
      }
      under.sort(Comparator.comparingInt((MountInfo.Entry m) -> m.mountPoint().getNameCount())
          .thenComparingInt(MountInfo.Entry::id).reversed());
      for (MountInfo.Entry mount : under) {
        try {
          mounts.unmount(mount.mountPoint(), true);
        } catch (LinuxException e) {
          if (e.errno() != Errno.EINVAL && e.errno() != Errno.ENOENT) {
            throw e;
          }
        }
      }
    }
    throw new IOException("Failed to destroy the overlay rootfs '" + rootfs + "': mounts stay after "
        + MAX_UNMOUNT_ROUNDS + " rounds of unmounting");
  }
}
