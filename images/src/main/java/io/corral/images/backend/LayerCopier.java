package io.corral.images.backend;

import io.corral.images.unpack.FileTrees;
import io.corral.images.unpack.NodeMetadata;
import io.corral.images.unpack.WhiteoutFormat;
import io.corral.posix.FileNodes;
import io.corral.posix.FileNodes.NodeType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies one layer on top of a root filesystem: first its whiteouts ({@code .wh.X} removes
 * {@code X}, {@code .wh..wh..opq} empties its directory; the overlayfs forms, a character device
 * 0/0 and {@code trusted.overlay.opaque=y}, are read too, so a layer unpacked for either backend
 * serves), so that an opaque marker never removes what its own layer adds; then its
 * nodes, markers skipped, each replacing what is there unless both are directories, with owner,
 * mode, times, extended attributes, devices and the layer's hard links kept. Nothing below the
 * root filesystem is reached through a symbolic link: whiteouts under one are no-ops (as the
 * merged overlay view has nothing there), and a directory of the layer replaces a link below.
 * One instance per layer; one thread.
 */
final class LayerCopier {
  private static final Logger LOG = LoggerFactory.getLogger(LayerCopier.class);
  private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
  private static final String OVERLAY_XATTRS = "trusted.overlay.";

  private final Path layer;
  private final Path rootfs;
  private final FileNodes nodes;
  /** The first copy of each multiply-linked inode of the layer, by its file key. */
  private final Map<Object, Path> copiedInodes = new HashMap<>();

  LayerCopier(Path layer, Path rootfs, FileNodes nodes) {
    this.layer = layer;
    this.rootfs = rootfs;
    this.nodes = nodes;
  }

  void apply() throws IOException {
    Files.walkFileTree(layer, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
        if (isOpaque(dir) && isRealDirectory(target(dir))) {
          FileTrees.deleteContents(target(dir));
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        if (isOverlayWhiteout(file, attrs) && isRealDirectory(target(file.getParent()))) {
          FileTrees.delete(target(file));
        }
        applyWhiteout(file);
        return FileVisitResult.CONTINUE;
      }
    });
    Files.walkFileTree(layer, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
        if (!dir.equals(layer)) {
          copyDirectory(dir);
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        copyNode(file, attrs);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
        if (e != null) {
          throw e;
        }
        if (!dir.equals(layer)) {
          metadata(dir).applyTo(target(dir), nodes, false);
        }
        return FileVisitResult.CONTINUE;
      }
    });
  }

  private void applyWhiteout(Path marker) throws IOException {
    String name = marker.getFileName().toString();
    if (!name.startsWith(WhiteoutFormat.PREFIX)) {
      return;
    }
    Path dir = target(marker.getParent());
    if (!isRealDirectory(dir)) {
      return; // nothing below to hide
    }
    if (name.equals(WhiteoutFormat.OPAQUE)) {
      FileTrees.deleteContents(dir);
    } else {
      FileTrees.delete(dir.resolve(name.substring(WhiteoutFormat.PREFIX.length())));
    }
  }

  /** Whether {@code dir} is opaque in the overlayfs form ({@code trusted.overlay.opaque=y}). */
  private boolean isOpaque(Path dir) {
    return nodes.getXattr(dir, WhiteoutFormat.OPAQUE_XATTR)
        .map(v -> new String(v, StandardCharsets.UTF_8).equals("y")).orElse(false);
  }

  /** Whether {@code file} is a whiteout in the overlayfs form: a character device 0/0. */
  private static boolean isOverlayWhiteout(Path file, BasicFileAttributes attrs) throws IOException {
    if (!attrs.isOther()) {
      return false;
    }
    Map<String, Object> unix = Files.readAttributes(file, "unix:mode,rdev", NOFOLLOW);
    return ((Integer) unix.get("mode") & 0170000) == 0020000 && (Long) unix.get("rdev") == 0;
  }

  /** The node's metadata without overlayfs' own attributes, which mean nothing in a copy. */
  private NodeMetadata metadata(Path path) throws IOException {
    NodeMetadata read = NodeMetadata.read(path, nodes);
    Map<String, byte[]> xattrs = new HashMap<>(read.xattrs());
    xattrs.keySet().removeIf(name -> name.startsWith(OVERLAY_XATTRS));
    return new NodeMetadata(read.uid(), read.gid(), read.mode(), read.mtime(), xattrs);
  }

  /** Whether every component from the rootfs down to {@code dir} is a directory, not a link. */
  private boolean isRealDirectory(Path dir) throws IOException {
    for (Path walked = dir; !walked.equals(rootfs); walked = walked.getParent()) {
      BasicFileAttributes attrs = lstat(walked);
      if (attrs == null || !attrs.isDirectory()) {
        return false;
      }
    }
    return true;
  }

  private void copyDirectory(Path dir) throws IOException {
    Path target = target(dir);
    BasicFileAttributes existing = lstat(target);
    if (existing != null && !existing.isDirectory()) {
      FileTrees.delete(target);
      existing = null;
    }
    if (existing == null) {
      Files.createDirectory(target);
    }
  }

  private void copyNode(Path file, BasicFileAttributes attrs) throws IOException {
    if (file.getFileName().toString().startsWith(WhiteoutFormat.PREFIX) || isOverlayWhiteout(file, attrs)) {
      return;
    }
    Path target = target(file);
    FileTrees.delete(target);
    Map<String, Object> unix = Files.readAttributes(file, "unix:mode,rdev,nlink", NOFOLLOW);
    if (!attrs.isDirectory() && (Integer) unix.get("nlink") > 1) {
      Path first = copiedInodes.putIfAbsent(attrs.fileKey(), target);
      if (first != null) {
        Files.createLink(target, first);
        return;
      }
    }
    if (attrs.isSymbolicLink()) {
      Files.createSymbolicLink(target, Files.readSymbolicLink(file));
    } else if (attrs.isRegularFile()) {
      Files.copy(file, target, NOFOLLOW);
    } else if (!makeNode(target, (Integer) unix.get("mode"), (Long) unix.get("rdev"))) {
      LOG.debug("Skipping '{}': neither a file, a link, a device nor a FIFO", file);
      return;
    }
    metadata(file).applyTo(target, nodes, attrs.isSymbolicLink());
  }

  /** A device or FIFO like the source; false for anything else (a socket). */
  private boolean makeNode(Path target, int mode, long rdev) {
    NodeType type = switch (mode & 0170000) {
      case 0020000 -> NodeType.CHARACTER_DEVICE;
      case 0060000 -> NodeType.BLOCK_DEVICE;
      case 0010000 -> NodeType.FIFO;
      default -> null;
    };
    if (type == null) {
      return false;
    }
    long major = ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
    long minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
    nodes.mknod(target, type, mode & 0777, major, minor);
    return true;
  }

  private Path target(Path inLayer) {
    return rootfs.resolve(layer.relativize(inLayer).toString());
  }

  private static BasicFileAttributes lstat(Path path) throws IOException {
    try {
      return Files.readAttributes(path, BasicFileAttributes.class, NOFOLLOW);
    } catch (NoSuchFileException e) {
      return null;
    }
  }
}
