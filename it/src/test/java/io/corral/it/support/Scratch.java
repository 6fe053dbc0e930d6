package io.corral.it.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** A test's scratch directory of plain files (credentials, flag files), deleted after it. */
public final class Scratch {
  private Scratch() {}

  /** Deletes {@code dir} and the files directly in it; nothing when it is null. */
  public static void delete(Path dir) throws IOException {
    if (dir == null) {
      return;
    }
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.toList()) {
        Files.delete(f);
      }
    }
    Files.delete(dir);
  }
}
