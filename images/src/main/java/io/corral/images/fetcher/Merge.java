package io.corral.images.fetcher;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Moves a complete staging tree into the sandbox by renames (the sandbox and the staging
 * directory share a file system): a directory present on both sides is merged, a file replaces
 * a file, and a file never replaces a directory or the reverse. Stateless.
 */
final class Merge {
  private Merge() {}

  /** Moves the children of {@code staging} into {@code target}; returns the paths it put there. */
  static List<Path> into(Path staging, Path target) throws IOException {
    List<Path> moved = new ArrayList<>();
    try (DirectoryStream<Path> children = Files.newDirectoryStream(staging)) {
      for (Path child : children) {
        Path to = target.resolve(child.getFileName().toString());
        boolean childDir = Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS);
        boolean toDir = Files.isDirectory(to, LinkOption.NOFOLLOW_LINKS);
        if (childDir && toDir) {
          into(child, to);
        } else if (childDir != toDir && Files.exists(to, LinkOption.NOFOLLOW_LINKS)) {
          throw new FetchException("'" + to + "' exists and is " + (toDir ? "a directory" : "not a directory"));
        } else {
          Files.move(child, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        moved.add(to);
      }
    }
    return moved;
  }
}
