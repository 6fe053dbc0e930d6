package io.corral.posix;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The one parser of {@code /proc/<pid>/mountinfo} (proc(5)): each line becomes an {@link Entry},
 * in the kernel's order (a later line was mounted later, so on an equal mount point it is on
 * top), with the octal escapes of space, tab, newline and backslash undone. Malformed lines are
 * skipped. Reads the file at each call, on the caller's thread; stateless and thread-safe.
 */
public final class MountInfo {
  /** The calling process's mount table, as the agent sees its own mount namespace. */
  public static final Path SELF = Path.of("/proc/self/mountinfo");

  private MountInfo() {}

  /**
   * One mount.
   *
   * @param id the mount id
   * @param parentId the id of the parent mount
   * @param device the {@code major:minor} of the file system
   * @param root the directory of the file system mounted here ({@code /} unless a bind)
   * @param mountPoint where it is mounted, in the reader's mount namespace
   * @param options the per-mount options ({@code rw,nosuid,...})
   * @param fsType the file system type ({@code xfs}, {@code tmpfs}, ...)
   * @param source the mount source ({@code /dev/loop0}, {@code tmpfs}, ...)
   * @param superOptions the per-superblock options
   */
  public record Entry(int id, int parentId, String device, String root, Path mountPoint,
      String options, String fsType, String source, String superOptions) {}

  /** {@code /proc/<pid>/mountinfo}: the mount table of {@code pid}'s mount namespace. */
  public static Path of(int pid) {
    return Path.of("/proc", Integer.toString(pid), "mountinfo");
  }

  /** Reads and parses a mountinfo file. */
  public static List<Entry> read(Path file) throws IOException {
    return parse(Files.readAllLines(file));
  }

  /** Parses mountinfo lines; a line without the fields proc(5) promises is skipped. */
  public static List<Entry> parse(List<String> lines) {
    List<Entry> entries = new ArrayList<>(lines.size());
    for (String line : lines) {
      String[] f = line.split(" ");
      // 0 id, 1 parent, 2 major:minor, 3 root, 4 mount point, 5 options, [optional...], "-",
      // then fs type, source, super options.
      int dash = -1;
      for (int i = 6; i < f.length; i++) {
        if (f[i].equals("-")) {
          dash = i;
          break;
        }
      }
      if (dash < 0 || f.length < dash + 4) {
        continue;
      }
      try {
        entries.add(new Entry(Integer.parseInt(f[0]), Integer.parseInt(f[1]), f[2], unescape(f[3]),
            Path.of(unescape(f[4])), f[5], f[dash + 1], unescape(f[dash + 2]), f[dash + 3]));
      } catch (RuntimeException e) {
        // A bad number or path: not a line the kernel writes; skip it like any malformed one.
      }
    }
    return entries;
  }

  /**
   * The distinct mount points strictly below {@code root} (compare a real path: mountinfo has
   * no symbolic links), in mount order.
   */
  public static List<Path> under(List<Entry> entries, Path root) {
    List<Path> found = new ArrayList<>();
    for (Entry entry : entries) {
      Path point = entry.mountPoint();
      if (point.startsWith(root) && !point.equals(root) && !found.contains(point)) {
        found.add(point);
      }
    }
    return found;
  }

  /** Undoes mountinfo's {@code \ooo} escapes (space, tab, newline and backslash). */
  public static String unescape(String field) {
    if (field.indexOf('\\') < 0) {
      return field;
    }
    StringBuilder out = new StringBuilder(field.length());
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == '\\' && octal(field, i + 1)) {
        out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static boolean octal(String s, int from) {
    if (from + 3 > s.length()) {
      return false;
    }
    for (int i = from; i < from + 3; i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '7') {
        return false;
      }
    }
    return true;
  }
}
