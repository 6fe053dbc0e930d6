package io.corral.isolators.disk;

import io.corral.posix.LinuxException;
import io.corral.posix.Quotas;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The start check of {@code disk/xfs} (Mesos {@code xfs::isQuotaEnabled}, MESOS-6732): the
 * sandbox directory must be on XFS ({@code statfs} magic), mounted with a project quota option
 * ({@code /proc/self/mountinfo}), and the kernel must say project quota accounting is on
 * ({@code quotactl Q_XGETQSTAT}). A failure is an {@link IllegalArgumentException} that stops the
 * agent; its message says what is wrong, gives the kernel's answer and how to fix it. Runs once,
 * on the agent's main thread.
 */
final class XfsCheck {
  private static final Logger LOG = LoggerFactory.getLogger(XfsCheck.class);
  private static final String PREFIX = "Failed to create isolator 'disk/xfs': ";

  private XfsCheck() {}

  /**
   * Checks the file system of {@code sandboxes} (or its nearest existing parent) and returns its
   * mount, whose source is the block device quotactl takes.
   */
  static Quotas.Mount verify(Quotas quotas, Path sandboxes) {
    Path dir = existing(sandboxes.toAbsolutePath());
    long type = kernel(() -> quotas.filesystemType(dir), dir);
    if (type != Quotas.XFS_SUPER_MAGIC) {
      throw new IllegalArgumentException(PREFIX + "'" + dir + "' is not an XFS filesystem"
          + " (statfs f_type 0x" + Long.toHexString(type) + ", XFS is 0x"
          + Long.toHexString(Quotas.XFS_SUPER_MAGIC) + "); put --work_dir on an XFS file system"
          + " mounted with project quota (mount -o prjquota), or remove disk/xfs from --isolation");
    }
    Quotas.Mount mount = kernel(() -> quotas.mountOf(dir), dir);
    String answer;
    try {
      Quotas.QuotaState state = quotas.quotaState(Path.of(mount.source()));
      if (state.accounting() && mount.projectQuotaOption()) {
        if (!state.enforcement()) {
          LOG.warn("XFS project quota on '{}' is accounted but not enforced: writes past a"
              + " container's disk quota will not fail with ENOSPC", mount.mountPoint());
        }
        return mount;
      }
      answer = "quotactl Q_XGETQSTAT on '" + mount.source() + "' reports project quota accounting "
          + (state.accounting() ? "on" : "off");
    } catch (LinuxException e) {
      answer = "the kernel answers " + e.getMessage();
    }
    throw new IllegalArgumentException(PREFIX + "XFS project quotas are not enabled on '" + dir
        + "': '" + mount.source() + "' is mounted on '" + mount.mountPoint() + "' with '"
        + mount.superOptions() + "'" + (mount.projectQuotaOption() ? "" : ", without prjquota")
        + "; " + answer + ". Mount it with -o prjquota (for the root file system, boot with"
        + " rootflags=prjquota), on a kernel built with XFS quota support (CONFIG_XFS_QUOTA),"
        + " or remove disk/xfs from --isolation");
  }

  private static Path existing(Path path) {
    Path dir = path;
    while (!Files.exists(dir) && dir.getParent() != null) {
      dir = dir.getParent();
    }
    return dir;
  }

  private static <T> T kernel(java.util.function.Supplier<T> call, Path dir) {
    try {
      return call.get();
    } catch (LinuxException e) {
      throw new IllegalArgumentException(PREFIX + "cannot inspect the file system of '" + dir
          + "': " + e.getMessage(), e);
    }
  }
}
