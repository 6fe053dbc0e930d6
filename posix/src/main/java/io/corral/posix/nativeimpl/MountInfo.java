package io.corral.posix.nativeimpl;

import io.corral.posix.Errno;
import io.corral.posix.LinuxException;
import io.corral.posix.Quotas;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Finds the mount of a path in a {@code mountinfo} file ({@code /proc/self/mountinfo}, or a
 * test's): among the lines whose {@code major:minor} is the path's device, the one with the
 * longest mount point that contains the path (the last such line when a point is mounted over).
 * Reads the file at each call, on the caller's thread.
 */
final class MountInfo {
  private final Path file;

  MountInfo(Path file) {
    this.file = file;
  }

  Quotas.Mount find(Path path, long dev) {
    String device = major(dev) + ":" + minor(dev);
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (IOException e) {
      throw IoErrors.toLinux("read", file, e);
    }
    Path absolute = path.toAbsolutePath().normalize();
    Quotas.Mount best = null;
    Quotas.Mount anyOnDevice = null;
    for (String line : lines) {
      String[] f = line.split(" ");
      int dash = List.of(f).indexOf("-");
      if (f.length < 6 || dash < 6 || f.length < dash + 4 || !f[2].equals(device)) {
        continue;
      }
      Quotas.Mount mount = new Quotas.Mount(Path.of(unescape(f[4])), f[dash + 1],
          unescape(f[dash + 2]), f[dash + 3]);
      anyOnDevice = mount;
      if (absolute.startsWith(mount.mountPoint()) && (best == null
          || mount.mountPoint().getNameCount() >= best.mountPoint().getNameCount())) {
        best = mount;
      }
    }
    if (best == null && anyOnDevice == null) {
      throw new LinuxException("mountinfo", Errno.ENOENT, "path='" + path + "' dev=" + device);
    }
    return best != null ? best : anyOnDevice;
  }

  /** The major number of a Linux {@code dev_t} (glibc's gnu_dev_major). */
  static long major(long dev) {
    return ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
  }

  /** The minor number of a Linux {@code dev_t} (glibc's gnu_dev_minor). */
  static long minor(long dev) {
    return (dev & 0xff) | ((dev >>> 12) & ~0xffL);
  }

  /** Undoes mountinfo's octal escapes of space, tab, newline and backslash. */
  static String unescape(String field) {
    StringBuilder out = new StringBuilder(field.length());
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
