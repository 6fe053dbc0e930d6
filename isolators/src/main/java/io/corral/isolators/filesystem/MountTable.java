package io.corral.isolators.filesystem;

import io.corral.isolators.IsolatorException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The per-mount flags a read-only remount must repeat: remounting a bind with only
 * {@code MS_RDONLY} would clear {@code nosuid}, {@code nodev} and {@code noexec} of the mount
 * the source lies on (runc does the same). Reads a {@code mountinfo} file (the host's
 * {@code /proc/self/mountinfo}, or a test's) at each call, on the caller's thread.
 */
final class MountTable {
  static final MountTable SELF = new MountTable(Path.of("/proc/self/mountinfo"));

  private static final long MS_NOSUID = 2;
  private static final long MS_NODEV = 4;
  private static final long MS_NOEXEC = 8;

  private final Path mountinfo;

  MountTable(Path mountinfo) {
    this.mountinfo = mountinfo;
  }

  /** The MS_NOSUID, MS_NODEV and MS_NOEXEC bits of the topmost mount holding {@code path}. */
  long lockedFlags(Path path) {
    List<String> lines;
    try {
      lines = Files.readAllLines(mountinfo);
    } catch (IOException e) {
      throw new IsolatorException("Failed to read '" + mountinfo + "': " + e, e);
    }
    Path best = null;
    String options = "";
    for (String line : lines) {
      String[] f = line.split(" ");
      if (f.length < 6) {
        continue;
      }
      Path mountPoint = Path.of(unescape(f[4]));
      // Later lines are mounted later: on an equal mount point the later one is on top.
      if (path.startsWith(mountPoint)
          && (best == null || mountPoint.getNameCount() >= best.getNameCount())) {
        best = mountPoint;
        options = f[5];
      }
    }
    long flags = 0;
    for (String option : options.split(",")) {
      flags |= switch (option) {
        case "nosuid" -> MS_NOSUID;
        case "nodev" -> MS_NODEV;
        case "noexec" -> MS_NOEXEC;
        default -> 0L;
      };
    }
    return flags;
  }

  /** mountinfo writes space, tab, newline and backslash as {@code \ooo}. */
  private static String unescape(String field) {
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
