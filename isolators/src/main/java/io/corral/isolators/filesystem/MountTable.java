package io.corral.isolators.filesystem;

import io.corral.isolators.IsolatorException;
import io.corral.posix.MountInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The per-mount flags a read-only remount must repeat: remounting a bind with only
 * {@code MS_RDONLY} would clear {@code nosuid}, {@code nodev} and {@code noexec} of the mount
 * the source lies on (runc does the same). Reads a {@code mountinfo} file (the host's
 * {@code /proc/self/mountinfo}, or a test's) with {@link MountInfo} at each call, on the caller's thread.
 */
public final class MountTable {
  public static final MountTable SELF = new MountTable(MountInfo.SELF);

  private static final long MS_NOSUID = 2;
  private static final long MS_NODEV = 4;
  private static final long MS_NOEXEC = 8;

  private final Path mountinfo;

  public MountTable(Path mountinfo) {
    this.mountinfo = mountinfo;
  }

  /** The MS_NOSUID, MS_NODEV and MS_NOEXEC bits of the topmost mount holding {@code path}. */
  public long lockedFlags(Path path) {
    List<MountInfo.Entry> entries;
    try {
      entries = MountInfo.read(mountinfo);
    } catch (IOException e) {
      throw new IsolatorException("Failed to read '" + mountinfo + "': " + e, e);
    }
    Path best = null;
    String options = "";
    for (MountInfo.Entry entry : entries) {
      Path mountPoint = entry.mountPoint();
      // Later lines are mounted later: on an equal mount point the later one is on top.
      if (path.startsWith(mountPoint)
          && (best == null || mountPoint.getNameCount() >= best.getNameCount())) {
        best = mountPoint;
        options = entry.options();
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
}
