package io.corral.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** http stays thin: it reaches the kernel only through the containerizer, never posix. */
class ModuleBoundaryTest {
  @Test
  void mainSourcesDoNotImportPosix() throws IOException {
    Path main = Path.of("src", "main", "java");
    List<String> offenders;
    try (Stream<Path> files = Files.walk(main)) {
      offenders = files.filter(f -> f.toString().endsWith(".java"))
          .filter(f -> read(f).contains("io.corral.posix"))
          .map(Path::toString)
          .toList();
    }
    assertEquals(List.of(), offenders);
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new IllegalStateException("Failed to read '" + file + "': " + e.getMessage(), e);
    }
  }
}
