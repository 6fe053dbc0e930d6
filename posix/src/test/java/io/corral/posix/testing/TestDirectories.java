package io.corral.posix.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Scratch directories for tests whose containers mount a volume onto {@code /tmp}: such a
 * volume must not hide the sandbox, so the sandbox may not live under {@code /tmp} — which is
 * where JUnit's {@code @TempDir} puts things, and where a checkout may be (CI clones anywhere).
 */
public final class TestDirectories {
  private static final Path TMP = Path.of("/tmp");
  /** Directories made outside target/, deleted when the test JVM exits (mvn clean misses them). */
  private static final List<Path> OUTSIDE = new CopyOnWriteArrayList<>();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> OUTSIDE.forEach(d -> delete(d.toFile()))));
  }

  private TestDirectories() {}

  /**
   * A fresh directory under the module's {@code target/<group>}, or under
   * {@code /var/tmp/corral-tests/<group>} when the checkout itself is under {@code /tmp}.
   */
  public static Path notUnderTmp(String group, String prefix) throws IOException {
    Path target = Path.of("target").toAbsolutePath();
    if (!Files.createDirectories(target).toRealPath().startsWith(TMP)) {
      Path parent = Files.createDirectories(target.resolve(group));
      return Files.createTempDirectory(parent, prefix).toRealPath();
    }
    Path parent = Files.createDirectories(Path.of("/var/tmp", "corral-tests", group));
    Path dir = Files.createTempDirectory(parent, prefix).toRealPath();
    OUTSIDE.add(dir);
    return dir;
  }

  /** Deletes a tree without following symbolic links (a test may leave one pointing out). */
  private static void delete(File file) {
    File[] children = Files.isSymbolicLink(file.toPath()) ? null : file.listFiles();
    if (children != null) {
      for (File child : children) {
        delete(child);
      }
    }
    file.delete();
  }
}
