package io.corral.posix.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Scratch directories for tests whose containers mount a volume onto {@code /tmp}: such a
 * volume must not hide the sandbox, so the sandbox may not live under {@code /tmp} — which is
 * where JUnit's {@code @TempDir} puts things, and where a checkout may be (CI clones anywhere).
 */
public final class TestDirectories {
  private static final Path TMP = Path.of("/tmp");

  private TestDirectories() {}

  /**
   * A fresh directory under the module's {@code target/<group>}, or under
   * {@code /var/tmp/corral-tests/<group>} when the checkout itself is under {@code /tmp}.
   */
  public static Path notUnderTmp(String group, String prefix) throws IOException {
    Path target = Path.of("target").toAbsolutePath();
    Path parent = Files.createDirectories(target).toRealPath().startsWith(TMP)
        ? Path.of("/var/tmp", "corral-tests", group)
        : target.resolve(group);
    return Files.createTempDirectory(Files.createDirectories(parent), prefix).toRealPath();
  }
}
