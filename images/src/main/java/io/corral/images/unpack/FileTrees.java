package io.corral.images.unpack;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Deleting trees that are private to the agent (a layer being unpacked, a rootfs being copied)
 * without ever following a symbolic link. Nothing may be mounted below them; for a tree that may
 * hold mounts use {@code io.corral.posix.MountSafeDelete}. Blocking; any thread.
 */
public final class FileTrees {
  private FileTrees() {}

  /** Deletes {@code path} and everything below it; a missing path is not an error. */
  public static void delete(Path path) throws IOException {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Files.walkFileTree(path, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.delete(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
        if (e != null) {
          throw e;
        }
        Files.delete(dir);
        return FileVisitResult.CONTINUE;
      }
    });
  }

  /** Deletes everything inside the directory {@code dir}, which stays. */
  public static void deleteContents(Path dir) throws IOException {
    try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
      for (Path child : children) {
        delete(child);
      }
    }
  }
}
