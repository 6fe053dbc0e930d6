package io.corral.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A stand-in for {@code du}, for a disk isolator whose {@code du} command path is configurable:
 * an executable script that either hangs ({@link Fault#HANG}: it {@code exec}s a sleep that
 * never ends, so the disk watcher's own timeout and kill are what end it) or fails
 * ({@link Fault#FAIL}: {@code du: cannot access '<last argument>': Input/output error} on stderr,
 * exit status 1, nothing on stdout, as GNU du reports an I/O error). Thread-safe (stateless).
 */
public final class FaultyDu {
  private FaultyDu() {}

  /**
   * Writes the script as {@code <dir>/du} (mode 0755) and returns its path.
   *
   * @throws IllegalArgumentException for {@link Fault#THROW}, which has no meaning for a process
   */
  public static Path install(Path dir, Fault fault) {
    String body = switch (fault) {
      case HANG -> "exec sleep 2147483647\n";
      case FAIL -> "for last; do :; done\necho \"du: cannot access '$last': Input/output error\" >&2\nexit 1\n";
      case THROW -> throw new IllegalArgumentException(
          "Fault THROW cannot be injected into du: use FAIL or HANG");
    };
    Path du = dir.resolve("du");
    try {
      Files.createDirectories(dir);
      Files.writeString(du, "#!/bin/sh\n# Corral testkit: a du that " + fault + "s\n" + body);
      Files.setPosixFilePermissions(du, PosixFilePermissions.fromString("rwxr-xr-x"));
    } catch (IOException e) {
      throw new UncheckedIOException("Failed to install a faulty du at '" + du + "'", e);
    }
    return du;
  }
}
