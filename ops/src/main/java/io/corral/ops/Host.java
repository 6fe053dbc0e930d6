package io.corral.ops;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Facts about the machine the agent runs on that decide flag defaults: whether it runs as root
 * (the effective uid in {@code /proc/self/status}) and its host name. Stateless; any thread.
 */
public final class Host {
  private Host() {}

  /**
   * True when the effective uid of this process is 0; without {@code /proc} (not Linux), when
   * its uid as the JDK knows it is 0.
   */
  public static boolean isRoot() {
    return effectiveUid() == 0;
  }

  /** The effective uid of this process; without {@code /proc}, its uid as the JDK knows it. */
  public static int effectiveUid() {
    Path status = Path.of("/proc/self/status");
    if (!Files.exists(status)) {
      return (int) new com.sun.security.auth.module.UnixSystem().getUid();
    }
    return effectiveUid(status);
  }

  /** The effective uid from a {@code /proc/<pid>/status} file (its {@code Uid:} line, 2nd field). */
  static int effectiveUid(Path status) {
    try {
      for (String line : Files.readAllLines(status)) {
        if (line.startsWith("Uid:")) {
          return Integer.parseInt(line.substring(4).trim().split("\\s+")[1]);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Failed to read '" + status + "'", e);
    }
    throw new IllegalStateException("Failed to find the 'Uid:' line in '" + status + "'");
  }

  /** The host name, as {@code /state} reports it. */
  public static String hostname() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }
}
