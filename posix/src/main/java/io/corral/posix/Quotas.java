package io.corral.posix;

import java.nio.file.Path;

/**
 * XFS project quotas, the kernel verbs behind {@code disk/xfs}: a file's project id and
 * {@code PROJINHERIT} flag ({@code FS_IOC_FSGETXATTR}/{@code FS_IOC_FSSETXATTR} on
 * {@code struct fsxattr}), the project quota of a file system ({@code quotactl} with
 * {@code PRJQUOTA}: {@code Q_XGETQSTAT}, {@code Q_XGETQUOTA}, {@code Q_XSETQLIM} on
 * {@code struct fs_disk_quota}), and what is needed to find the file system of a directory
 * ({@code statfs} and {@code /proc/self/mountinfo}). Every failure is a {@link LinuxException}
 * naming the call and its errno; {@code EINTR} is retried. Stateless and thread-safe; callers run
 * it on a blocking thread.
 */
public interface Quotas {
  /** {@code XFS_SUPER_MAGIC}, the {@code f_type} statfs reports for XFS. */
  long XFS_SUPER_MAGIC = 0x58465342L;

  /** Bytes in one quota "basic block", the unit of fs_disk_quota's block fields. */
  long BASIC_BLOCK = 512;

  /** A file's project attributes: its project id and whether new children inherit it. */
  record Project(int id, boolean inherit) {}

  /**
   * The mount that holds a path, from {@code /proc/self/mountinfo}.
   *
   * @param mountPoint where it is mounted
   * @param fsType the file system type ({@code xfs})
   * @param source the mount source: for a block file system, its device ({@code /dev/loop0})
   * @param superOptions the per-superblock options ({@code rw,...,prjquota} or {@code noquota})
   */
  record Mount(Path mountPoint, String fsType, String source, String superOptions) {
    /** Whether the super options turn project quota on ({@code prjquota}, {@code pquota}, ...). */
    public boolean projectQuotaOption() {
      for (String option : superOptions.split(",")) {
        if (option.equals("prjquota") || option.equals("pquota") || option.equals("pqnoenforce")
            || option.equals("prjquota_noenforce") || option.equals("pqnoenf")) {
          return true;
        }
      }
      return false;
    }
  }

  /**
   * What {@code Q_XGETQSTAT} says about project quota on a file system.
   *
   * @param accounting {@code FS_QUOTA_PDQ_ACCT}: usage is counted
   * @param enforcement {@code FS_QUOTA_PDQ_ENFD}: limits are enforced
   */
  record QuotaState(boolean accounting, boolean enforcement) {}

  /**
   * One project's quota ({@code Q_XGETQUOTA}), in bytes.
   *
   * @param usedBytes blocks charged to the project
   * @param softLimitBytes the soft block limit, 0 for none
   * @param hardLimitBytes the hard block limit, 0 for none
   */
  record ProjectQuota(long usedBytes, long softLimitBytes, long hardLimitBytes) {}

  /** {@code statfs(path).f_type}. */
  long filesystemType(Path path);

  /** The mount holding {@code path} (matched by device number, as the kernel sees it). */
  Mount mountOf(Path path);

  /** The project attributes of a file or directory ({@code FS_IOC_FSGETXATTR}); no symlinks. */
  Project project(Path path);

  /**
   * Sets a file's project id and its {@code PROJINHERIT} flag (kept for directories only: the
   * kernel refuses it on other files), keeping its other attributes
   * ({@code FS_IOC_FSGETXATTR}, then {@code FS_IOC_FSSETXATTR}).
   */
  void setProject(Path path, int projectId, boolean inherit);

  /** Project quota state of the file system on block device {@code device}. */
  QuotaState quotaState(Path device);

  /**
   * Sets a project's block limits, rounded up to whole basic blocks ({@code Q_XSETQLIM}); 0
   * removes a limit.
   */
  void setProjectLimit(Path device, int projectId, long softLimitBytes, long hardLimitBytes);

  /**
   * A project's usage and limits ({@code Q_XGETQUOTA}). NOTE: XFS answers {@code ENOENT} for a
   * project it holds no quota record for (nothing charged, no limit set).
   */
  ProjectQuota projectQuota(Path device, int projectId);
}
