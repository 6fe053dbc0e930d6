package io.corral.posix;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Deletes a directory tree without ever descending into a mount point below it: a volume bound
 * into a sandbox on the host (or anything else mounted under it) is the host's data, and a
 * container whose mounts were not cleaned up must not cost it. A directory or file is a mount
 * point to keep when the caller's mount table ({@link MountInfo}) lists it, or when a directory's
 * {@code st_dev} differs from the root's (a mount made after the table was read). Kept mount
 * points, and the directories above them, stay in place; everything else goes. Symbolic links
 * are removed, never followed.
 *
 * <p>Threading: blocks on file system calls; call it on a blocking thread. Stateless.
 */
public final class MountSafeDelete {
  private MountSafeDelete() {}

  /** Like {@link #deleteRecursively(Path, Path)} with the agent's own mount table. */
  public static List<Path> deleteRecursively(Path root) throws IOException {
    return deleteRecursively(root, MountInfo.SELF);
  }

  /**
   * Deletes {@code root} and everything below it except mount points; a missing {@code root} is
   * not an error.
   *
   * @param mountinfo the mount table to read ({@code /proc/self/mountinfo}, or a test's)
   * @return the mount points left in place (as real paths), empty when all of {@code root} went
   * @throws IOException when reading the mount table or deleting fails for another reason
   */
  public static List<Path> deleteRecursively(Path root, Path mountinfo) throws IOException {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return List.of();
    }
    if (Files.isSymbolicLink(root)) {
      Files.deleteIfExists(root);
      return List.of();
    }
    Path real;
    try {
      real = root.toRealPath();
    } catch (NoSuchFileException e) {
      return List.of();
    }
    Set<Path> mountPoints = new HashSet<>(MountInfo.under(MountInfo.read(mountinfo), real));
    Object rootDevice = device(real);
    List<Path> kept = new ArrayList<>();
    Files.walkFileTree(real, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
        if (!dir.equals(real) && (mountPoints.contains(dir) || !rootDevice.equals(device(dir)))) {
          kept.add(dir);
          return FileVisitResult.SKIP_SUBTREE;
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        if (mountPoints.contains(file)) {
          kept.add(file); // a file bound over a file
        } else {
          Files.deleteIfExists(file);
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
        if (e instanceof NoSuchFileException) {
          return FileVisitResult.CONTINUE;
        }
        throw e;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
        if (e != null && !(e instanceof NoSuchFileException)) {
          throw e;
        }
        if (kept.stream().noneMatch(k -> k.startsWith(dir))) {
          Files.deleteIfExists(dir);
        }
        return FileVisitResult.CONTINUE;
      }
    });
    return kept;
  }

  /** The {@code st_dev} of {@code path}, without following a symbolic link. */
  private static Object device(Path path) throws IOException {
    return Files.getAttribute(path, "unix:dev", LinkOption.NOFOLLOW_LINKS);
  }
}
