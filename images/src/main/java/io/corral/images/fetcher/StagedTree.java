package io.corral.images.fetcher;

import io.corral.images.unpack.UnsafeLayerException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/**
 * The staging directory an archive is extracted into, refusing every entry that would leave it:
 * names come normalized (no {@code ..}); no entry is written through a symbolic link; a link's
 * target must stay inside; a hard link names an earlier regular file. Counts the bytes written
 * against {@code limit}. Used by one extraction on one thread.
 */
final class StagedTree {
  private final Path root;
  private final long limit;
  private final FetchCancel cancel;
  private long written;

  StagedTree(Path root, long limit, FetchCancel cancel) {
    this.root = root;
    this.limit = limit;
    this.cancel = cancel;
  }

  void directory(String name, int mode) throws IOException {
    Path dir = place(name);
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      Files.deleteIfExists(dir);
      Files.createDirectory(dir);
    }
    chmod(dir, mode | 0700);
  }

  void file(String name, InputStream in, int mode) throws IOException {
    Path file = place(name);
    Files.deleteIfExists(file);
    try (OutputStream out = Files.newOutputStream(file)) {
      byte[] buffer = new byte[64 * 1024];
      for (int n; (n = in.read(buffer)) >= 0; ) {
        cancel.check();
        written += n;
        if (written > limit) {
          throw new FetchException("the extracted archive is larger than the container's disk limit of "
              + limit + " bytes");
        }
        out.write(buffer, 0, n);
      }
    }
    chmod(file, mode);
  }

  void symlink(String name, String target) throws IOException {
    if (target.isEmpty() || target.startsWith("/")) {
      throw new UnsafeLayerException("link '" + name + "' points to '" + target + "', outside the archive");
    }
    Path link = Path.of(name);
    Path parent = link.getParent() == null ? Path.of("") : link.getParent();
    Path resolved = parent.resolve(target).normalize();
    if (resolved.startsWith("..") || target.indexOf('\0') >= 0) {
      throw new UnsafeLayerException("link '" + name + "' points to '" + target + "', outside the archive");
    }
    Path at = place(name);
    Files.deleteIfExists(at);
    Files.createSymbolicLink(at, Path.of(target));
  }

  void hardLink(String name, String target) throws IOException {
    Path existing = root.resolve(target);
    checkParents(target);
    if (!Files.isRegularFile(existing, LinkOption.NOFOLLOW_LINKS)) {
      throw new UnsafeLayerException("hard link '" + name + "' names '" + target + "', not an earlier file");
    }
    Path at = place(name);
    Files.deleteIfExists(at);
    Files.createLink(at, existing);
  }

  /** The path of {@code name}, its parents created, none of them a link. */
  private Path place(String name) throws IOException {
    cancel.check();
    checkParents(name);
    Path path = root.resolve(name);
    Files.createDirectories(path.getParent());
    return path;
  }

  private void checkParents(String name) throws UnsafeLayerException {
    Path at = root;
    Path relative = Path.of(name);
    for (int i = 0; i < relative.getNameCount() - 1; i++) {
      at = at.resolve(relative.getName(i));
      if (Files.isSymbolicLink(at) || Files.exists(at, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(at,
          LinkOption.NOFOLLOW_LINKS)) {
        throw new UnsafeLayerException("entry '" + name + "' is under '" + root.relativize(at)
            + "', which is not a directory");
      }
    }
  }

  /** The permission bits of {@code mode} without set-id and sticky bits. */
  private static void chmod(Path path, int mode) throws IOException {
    Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] order = PosixFilePermission.values(); // OWNER_READ .. OTHERS_EXECUTE
    for (int i = 0; i < 9; i++) {
      if ((mode & (0400 >> i)) != 0) {
        perms.add(order[i]);
      }
    }
    Files.setPosixFilePermissions(path, perms);
  }
}
