package io.corral.isolators.disk;

import io.corral.isolators.IsolatorException;
import io.corral.posix.MountInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The mount points strictly under a directory, from a {@code mountinfo} file (the agent's
 * {@code /proc/self/mountinfo}, or a test's, parsed by {@link MountInfo}): whatever is mounted into a sandbox in the agent's
 * mount namespace (a volume bound there, a tmpfs) is not the container's disk use, and
 * {@code du -x} alone would still count a bind mount of the same filesystem. Reads the file at
 * each call, on the caller's thread.
 */
final class MountPoints {
  static final MountPoints SELF = new MountPoints(MountInfo.SELF);

  private final Path mountinfo;

  MountPoints(Path mountinfo) {
    this.mountinfo = mountinfo;
  }

  /** The mount points strictly below {@code root} (a real path), without duplicates. */
  List<Path> under(Path root) {
    try {
      return MountInfo.under(MountInfo.read(mountinfo), root);
    } catch (IOException e) {
      throw new IsolatorException("Failed to read '" + mountinfo + "': " + e, e);
    }
  }
}
