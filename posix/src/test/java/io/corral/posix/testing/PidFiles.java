package io.corral.posix.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Pid files that test commands write ({@code echo $! >> pids}): one pid a line, appended by
 * processes while the test reads. Stateless; any thread.
 */
public final class PidFiles {
  private PidFiles() {}

  /** The complete lines of {@code file} as pids; empty when it does not exist yet. */
  public static List<Integer> read(Path file) {
    try {
      if (!Files.exists(file)) {
        return List.of();
      }
      String text = Files.readString(file);
      int end = text.lastIndexOf('\n'); // a line still being written is not a pid yet
      return end < 0 ? List.of() : text.substring(0, end).lines().filter(l -> !l.isBlank())
          .map(l -> Integer.parseInt(l.trim())).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
