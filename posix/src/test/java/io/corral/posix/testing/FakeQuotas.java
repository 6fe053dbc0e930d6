package io.corral.posix.testing;

import io.corral.posix.Errno;
import io.corral.posix.LinuxException;
import io.corral.posix.Quotas;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@link Quotas} of {@link FakeLinux}: XFS file systems declared by the test
 * ({@link FakeLinux#xfs}) over real directories, project attributes and quota records in memory.
 *
 * <p>Paths must exist on the real file system (ENOENT otherwise; ELOOP for a symlink, as
 * {@code O_NOFOLLOW} gives); project attributes are kept per path. NOTE: inheritance is modelled
 * when asked, not at creation: a path never set reports the id of its nearest set ancestor
 * directory that has {@code PROJINHERIT} — what the kernel gives to files created after the
 * ancestor was set. Paths outside every declared XFS are on an ext4 root ({@code /dev/vda}),
 * where the project calls fail with {@code EOPNOTSUPP} and quotactl with {@code ENOTBLK}.
 *
 * <p>Quota: a file system mounted with a project quota option answers {@code Q_XGETQSTAT} with
 * accounting and enforcement on; without, with both off, and {@code Q_XSETQLIM} and
 * {@code Q_XGETQUOTA} fail with {@code ESRCH}; {@link FakeLinux#quotaUnsupported} makes every
 * quotactl fail with an errno (a kernel without quota support answers {@code ENOSYS}). Usage is
 * whatever {@link FakeLinux#charge} added; a charge past a hard limit fails with {@code ENOSPC}
 * (XFS's answer for a project quota); limits are kept in whole 4 KiB file system blocks.
 */
final class FakeQuotas implements Quotas {
  static final long EXT4_SUPER_MAGIC = 0xEF53L;
  private static final Path ROOT_DEVICE = Path.of("/dev/vda");

  private record Fs(Path mountPoint, Path device, String options) {}

  private record Record(long used, long soft, long hard) {}

  private final FakeLinux kernel;
  private final Map<Path, Fs> filesystems = new LinkedHashMap<>();
  private final Map<Path, Errno> unsupported = new HashMap<>();
  private final Map<Path, Project> projects = new HashMap<>();
  private final Map<String, Record> records = new HashMap<>();

  FakeQuotas(FakeLinux kernel) {
    this.kernel = kernel;
  }

  synchronized void declare(Path mountPoint, Path device, String options) {
    filesystems.put(mountPoint, new Fs(mountPoint, device, options));
  }

  synchronized void unsupported(Path device, Errno errno) {
    unsupported.put(device, errno);
  }

  /**
   * Charges bytes written to path (created empty if missing, as a write would) to its project;
   * fails with ENOSPC past the hard limit.
   */
  synchronized void charge(Path path, long bytes) {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      try {
        Files.createFile(path);
      } catch (java.io.IOException e) {
        throw new LinuxException("open", Errno.ENOENT, "path='" + path + "'");
      }
    }
    Fs fs = fs(path);
    int id = project(path).id();
    String key = key(fs.device, id);
    Record r = records.getOrDefault(key, new Record(0, 0, 0));
    if (enforcing(fs) && r.hard > 0 && r.used + bytes > r.hard) {
      throw new LinuxException("write", Errno.ENOSPC, "path='" + path + "'");
    }
    records.put(key, new Record(r.used + bytes, r.soft, r.hard));
  }

  @Override
  public synchronized long filesystemType(Path path) {
    kernel.check("statfs", path, "path='" + path + "'");
    exists(path, "statfs");
    return fs(path) == null ? EXT4_SUPER_MAGIC : XFS_SUPER_MAGIC;
  }

  @Override
  public synchronized Mount mountOf(Path path) {
    exists(path, "stat");
    Fs fs = fs(path);
    return fs == null ? new Mount(Path.of("/"), "ext4", ROOT_DEVICE.toString(), "rw,relatime")
        : new Mount(fs.mountPoint, "xfs", fs.device.toString(), fs.options);
  }

  @Override
  public synchronized Project project(Path path) {
    String detail = "path='" + path + "'";
    kernel.check("ioctl FS_IOC_FSGETXATTR", path, detail);
    open(path);
    onXfs(path, "ioctl FS_IOC_FSGETXATTR", detail);
    for (Path p = path; p != null; p = p.getParent()) {
      Project set = projects.get(p);
      if (set != null && (p.equals(path) || set.inherit())) {
        return p.equals(path) ? set
            : new Project(set.id(), Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS));
      }
    }
    return new Project(0, false);
  }

  @Override
  public synchronized void setProject(Path path, int projectId, boolean inherit) {
    open(path);
    boolean flag = inherit && Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS);
    String detail = "path='" + path + "' projid=" + Integer.toUnsignedString(projectId)
        + (flag ? " xflags=PROJINHERIT" : "");
    kernel.record("ioctl FS_IOC_FSSETXATTR " + detail);
    kernel.check("ioctl FS_IOC_FSSETXATTR", path, detail);
    onXfs(path, "ioctl FS_IOC_FSSETXATTR", detail);
    projects.put(path, new Project(projectId, flag));
  }

  @Override
  public synchronized QuotaState quotaState(Path device) {
    Fs fs = quotactl("Q_XGETQSTAT", device, 0);
    boolean on = fs.options.isEmpty() ? false
        : new Mount(fs.mountPoint, "xfs", "", fs.options).projectQuotaOption();
    return new QuotaState(on, on && enforcing(fs));
  }

  /** XFS keeps limits in file system blocks: the basic blocks sent, rounded up to 4 KiB. */
  private static long fsBlocks(long bytes) {
    long fsBlock = 4096;
    return (blocks(bytes) * BASIC_BLOCK + fsBlock - 1) / fsBlock * fsBlock;
  }

  @Override
  public synchronized void setProjectLimit(Path device, int projectId, long soft, long hard) {
    if (soft < 0 || hard < 0) {
      throw new IllegalArgumentException("Quota limits must not be negative: soft " + soft
          + ", hard " + hard);
    }
    Fs fs = quotactl("Q_XSETQLIM", device, projectId);
    kernel.record("quotactl Q_XSETQLIM special='" + device + "' id=" + projectId + " soft="
        + blocks(soft) * BASIC_BLOCK + " hard=" + blocks(hard) * BASIC_BLOCK);
    noQuotaIsEsrch(fs, "Q_XSETQLIM", device, projectId);
    Record r = records.getOrDefault(key(device, projectId), new Record(0, 0, 0));
    records.put(key(device, projectId),
        new Record(r.used, fsBlocks(soft), fsBlocks(hard)));
  }

  @Override
  public synchronized ProjectQuota projectQuota(Path device, int projectId) {
    Fs fs = quotactl("Q_XGETQUOTA", device, projectId);
    noQuotaIsEsrch(fs, "Q_XGETQUOTA", device, projectId);
    Record r = records.get(key(device, projectId));
    if (r == null) {
      throw new LinuxException("quotactl Q_XGETQUOTA", Errno.ENOENT, detail(device, projectId));
    }
    // Usage is counted in whole blocks, as XFS does.
    return new ProjectQuota(blocks(r.used) * BASIC_BLOCK, r.soft, r.hard);
  }

  private Fs quotactl(String command, Path device, int id) {
    kernel.check("quotactl " + command, device, detail(device, id));
    Errno off = unsupported.get(device);
    if (off != null) {
      throw new LinuxException("quotactl " + command, off, detail(device, id));
    }
    for (Fs fs : filesystems.values()) {
      if (fs.device.equals(device)) {
        return fs;
      }
    }
    Errno errno = device.equals(ROOT_DEVICE) ? Errno.ENOSYS : Errno.ENOENT;
    throw new LinuxException("quotactl " + command, errno, detail(device, id));
  }

  private void noQuotaIsEsrch(Fs fs, String command, Path device, int id) {
    if (!new Mount(fs.mountPoint, "xfs", "", fs.options).projectQuotaOption()) {
      throw new LinuxException("quotactl " + command, Errno.ESRCH, detail(device, id));
    }
  }

  private static boolean enforcing(Fs fs) {
    return !fs.options.contains("noenforce") && !fs.options.contains("pqnoenf");
  }

  private Fs fs(Path path) {
    Fs best = null;
    for (Fs fs : filesystems.values()) {
      if (path.startsWith(fs.mountPoint)
          && (best == null || fs.mountPoint.getNameCount() > best.mountPoint.getNameCount())) {
        best = fs;
      }
    }
    return best;
  }

  private void open(Path path) {
    if (Files.isSymbolicLink(path)) {
      throw new LinuxException("open", Errno.ELOOP, "path='" + path + "'");
    }
    exists(path, "open");
  }

  private static void exists(Path path, String call) {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      throw new LinuxException(call, Errno.ENOENT, "path='" + path + "'");
    }
  }

  private void onXfs(Path path, String call, String detail) {
    if (fs(path) == null) {
      throw new LinuxException(call, Errno.EOPNOTSUPP, detail);
    }
  }

  private static String key(Path device, int id) {
    return device + "#" + id;
  }

  private static String detail(Path device, int id) {
    return "special='" + device + "' type=PRJQUOTA id=" + Integer.toUnsignedString(id);
  }

  private static long blocks(long bytes) {
    return bytes / BASIC_BLOCK + (bytes % BASIC_BLOCK == 0 ? 0 : 1);
  }
}
