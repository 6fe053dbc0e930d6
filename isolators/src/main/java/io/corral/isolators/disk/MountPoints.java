package io.corral.isolators.disk;

import io.corral.isolators.IsolatorException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The mount points strictly under a directory, from a {@code mountinfo} file (the agent's
 * {@code /proc/self/mountinfo}, or a test's): whatever is mounted into a sandbox in the agent's
 * mount namespace (a volume bound there, a tmpfs) is not the container's disk use, and
 * {@code du -x} alone would still count a bind mount of the same filesystem. Reads the file at
 * each call, on the caller's thread.
 */
final class MountPoints {
  static final MountPoints SELF = new MountPoints(Path.of("/proc/self/mountinfo"));

  private final Path mountinfo;

  MountPoints(Path mountinfo) {
    this.mountinfo = mountinfo;
  }

  /** The mount points strictly below {@code root} (a real path), without duplicates. */
  List<Path> under(Path root) {
    List<String> lines;
    try {
      lines = Files.readAllLines(mountinfo);
    } catch (IOException e) {
      throw new IsolatorException("Failed to read '" + mountinfo + "': " + e, e);
    }
    List<Path> found = new ArrayList<>();
    for (String line : lines) {
      String[] fields = line.split(" ");
      if (fields.length < 5) {
        continue;
      }
      Path point = Path.of(unescape(fields[4]));
      if (point.startsWith(root) && !point.equals(root) && !found.contains(point)) {
        found.add(point);
      }
    }
    return found;
  }

  /** mountinfo writes space, tab, newline and backslash as {@code \ooo}. */
  static String unescape(String field) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == '\\' && i + 3 < field.length() && field.substring(i + 1, i + 4).matches("[0-7]{3}")) {
        out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
