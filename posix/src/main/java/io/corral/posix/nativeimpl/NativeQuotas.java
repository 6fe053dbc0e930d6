package io.corral.posix.nativeimpl;

import io.corral.posix.Errno;
import io.corral.posix.LinuxException;
import io.corral.posix.Quotas;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import jnr.ffi.Runtime;

/**
 * {@link Quotas} through jnr-ffi: {@code ioctl} on {@code struct fsxattr}, {@code quotactl} on
 * {@code struct fs_disk_quota} and {@code fs_quota_stat}, {@code statfs}; the mount of a path
 * from {@code /proc/self/mountinfo} ({@link MountLookup}). The structs are laid out by hand in
 * native byte order (x86_64 and arm64 share the layout). Stateless; any thread.
 */
final class NativeQuotas implements Quotas {
  private static final int O_RDONLY = 0;
  private static final int O_NONBLOCK = 04000;
  private static final int O_NOFOLLOW = 0400000;
  private static final int O_CLOEXEC = 02000000;

  /** _IOR('X', 31, struct fsxattr) and _IOW('X', 32, struct fsxattr); sizeof(fsxattr) = 28. */
  private static final long FS_IOC_FSGETXATTR = 0x801C581FL;
  private static final long FS_IOC_FSSETXATTR = 0x401C5820L;
  private static final int FSXATTR_SIZE = 28;
  private static final int FS_XFLAG_PROJINHERIT = 0x200;

  private static final int PRJQUOTA = 2;
  private static final int Q_XGETQUOTA = ('X' << 8) + 3;
  private static final int Q_XSETQLIM = ('X' << 8) + 4;
  private static final int Q_XGETQSTAT = ('X' << 8) + 5;
  private static final int FS_DQUOT_VERSION = 1;
  private static final int FS_PROJ_QUOTA = 2;
  private static final int FS_DQ_BSOFT = 1 << 2;
  private static final int FS_DQ_BHARD = 1 << 3;
  private static final int FS_QUOTA_PDQ_ACCT = 1 << 4;
  private static final int FS_QUOTA_PDQ_ENFD = 1 << 5;
  /** sizeof(struct fs_disk_quota) is 112 and sizeof(struct statfs) 120; room to spare. */
  private static final int STRUCT_BUFFER = 256;

  private final LibC libc;
  private final Runtime runtime;
  private final MountLookup mountInfo;

  NativeQuotas(LibC libc) {
    this(libc, new MountLookup(io.corral.posix.MountInfo.SELF));
  }

  NativeQuotas(LibC libc, MountLookup mountInfo) {
    this.libc = libc;
    this.runtime = Runtime.getRuntime(libc);
    this.mountInfo = mountInfo;
  }

  @Override
  public long filesystemType(Path path) {
    byte[] buf = new byte[STRUCT_BUFFER];
    while (libc.statfs(path.toString(), buf) < 0) {
      retryOrThrow("statfs", "path='" + path + "'");
    }
    // f_type is the first member, a long (__fsword_t) on the 64-bit targets we support.
    return struct(buf).getLong(0);
  }

  @Override
  public Mount mountOf(Path path) {
    long dev;
    try {
      dev = ((Number) Files.getAttribute(path, "unix:dev")).longValue();
    } catch (IOException e) {
      throw IoErrors.toLinux("stat", path, e);
    }
    return mountInfo.find(path, dev);
  }

  @Override
  public Project project(Path path) {
    ByteBuffer attr = getAttributes(path);
    return new Project(attr.getInt(12), (attr.getInt(0) & FS_XFLAG_PROJINHERIT) != 0);
  }

  @Override
  public void setProject(Path path, int projectId, boolean inherit) {
    int fd = open(path);
    try {
      ByteBuffer attr = getAttributes(fd, path);
      int flags = attr.getInt(0) & ~FS_XFLAG_PROJINHERIT;
      if (inherit && Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
        flags |= FS_XFLAG_PROJINHERIT;
      }
      attr.putInt(0, flags);
      attr.putInt(12, projectId);
      String detail = "path='" + path + "' projid=" + Integer.toUnsignedString(projectId)
          + ((flags & FS_XFLAG_PROJINHERIT) != 0 ? " xflags=PROJINHERIT" : "");
      while (libc.ioctl(fd, FS_IOC_FSSETXATTR, attr.array()) < 0) {
        retryOrThrow("ioctl FS_IOC_FSSETXATTR", detail);
      }
    } finally {
      libc.close(fd);
    }
  }

  @Override
  public QuotaState quotaState(Path device) {
    byte[] buf = new byte[STRUCT_BUFFER];
    buf[0] = 1; // qs_version = FS_QSTAT_VERSION
    quotactl(Q_XGETQSTAT, "Q_XGETQSTAT", device, 0, buf);
    int flags = Short.toUnsignedInt(struct(buf).getShort(2));
    return new QuotaState((flags & FS_QUOTA_PDQ_ACCT) != 0, (flags & FS_QUOTA_PDQ_ENFD) != 0);
  }

  @Override
  public void setProjectLimit(Path device, int projectId, long softLimitBytes, long hardLimitBytes) {
    if (softLimitBytes < 0 || hardLimitBytes < 0) {
      throw new IllegalArgumentException("Quota limits must not be negative: soft "
          + softLimitBytes + ", hard " + hardLimitBytes);
    }
    byte[] buf = new byte[STRUCT_BUFFER];
    ByteBuffer quota = struct(buf);
    quota.put(0, (byte) FS_DQUOT_VERSION);
    quota.put(1, (byte) FS_PROJ_QUOTA);
    quota.putShort(2, (short) (FS_DQ_BSOFT | FS_DQ_BHARD));
    quota.putInt(4, projectId);
    quota.putLong(8, blocks(hardLimitBytes));
    quota.putLong(16, blocks(softLimitBytes));
    quotactl(Q_XSETQLIM, "Q_XSETQLIM", device, projectId, buf);
  }

  @Override
  public ProjectQuota projectQuota(Path device, int projectId) {
    byte[] buf = new byte[STRUCT_BUFFER];
    quotactl(Q_XGETQUOTA, "Q_XGETQUOTA", device, projectId, buf);
    ByteBuffer quota = struct(buf);
    return new ProjectQuota(quota.getLong(40) * BASIC_BLOCK, quota.getLong(16) * BASIC_BLOCK,
        quota.getLong(8) * BASIC_BLOCK);
  }

  private void quotactl(int command, String name, Path device, int id, byte[] buf) {
    int cmd = (command << 8) | PRJQUOTA;
    while (libc.quotactl(cmd, device.toString(), id, buf) < 0) {
      retryOrThrow("quotactl " + name, "special='" + device + "' type=PRJQUOTA id="
          + Integer.toUnsignedString(id));
    }
  }

  private ByteBuffer getAttributes(Path path) {
    int fd = open(path);
    try {
      return getAttributes(fd, path);
    } finally {
      libc.close(fd);
    }
  }

  private ByteBuffer getAttributes(int fd, Path path) {
    byte[] buf = new byte[FSXATTR_SIZE];
    while (libc.ioctl(fd, FS_IOC_FSGETXATTR, buf) < 0) {
      retryOrThrow("ioctl FS_IOC_FSGETXATTR", "path='" + path + "'");
    }
    return struct(buf);
  }

  private int open(Path path) {
    int fd;
    // O_NOFOLLOW: a symlink must not carry a sandbox's project id out of it (MESOS-9007);
    // O_NONBLOCK: opening a FIFO must not wait for a writer.
    while ((fd = libc.open(path.toString(), O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC)) < 0) {
      retryOrThrow("open", "path='" + path + "'");
    }
    return fd;
  }

  private static long blocks(long bytes) {
    return bytes / BASIC_BLOCK + (bytes % BASIC_BLOCK == 0 ? 0 : 1);
  }

  private static ByteBuffer struct(byte[] buf) {
    return ByteBuffer.wrap(buf).order(ByteOrder.nativeOrder());
  }

  private void retryOrThrow(String call, String detail) {
    int errno = runtime.getLastError();
    if (errno != Errno.EINTR.code()) {
      Errno e = Errno.of(errno);
      throw new LinuxException(call, e, e == Errno.UNKNOWN ? detail + " errno=" + errno : detail);
    }
  }

}
