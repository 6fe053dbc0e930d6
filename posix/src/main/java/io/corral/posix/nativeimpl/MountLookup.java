package io.corral.posix.nativeimpl;

import io.corral.posix.Errno;
import io.corral.posix.LinuxException;
import io.corral.posix.MountInfo;
import io.corral.posix.Quotas;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Finds the mount of a path in a {@code mountinfo} file ({@code /proc/self/mountinfo}, or a
 * test's, parsed by {@link MountInfo}): among the mounts whose {@code major:minor} is the path's
 * device, the one with the longest mount point that contains the path (the last such line when a
 * point is mounted over). Reads the file at each call, on the caller's thread.
 */
final class MountLookup {
  private final Path file;

  MountLookup(Path file) {
    this.file = file;
  }

  Quotas.Mount find(Path path, long dev) {
    String device = major(dev) + ":" + minor(dev);
    List<MountInfo.Entry> entries;
    try {
      entries = MountInfo.read(file);
    } catch (IOException e) {
      throw IoErrors.toLinux("read", file, e);
    }
    Path absolute = path.toAbsolutePath().normalize();
    Quotas.Mount best = null;
    Quotas.Mount anyOnDevice = null;
    for (MountInfo.Entry entry : entries) {
      if (!entry.device().equals(device)) {
        continue;
      }
      Quotas.Mount mount = new Quotas.Mount(entry.mountPoint(), entry.fsType(), entry.source(),
          entry.superOptions());
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
}
