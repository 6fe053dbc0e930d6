package io.corral.isolators.filesystem;

import static io.corral.isolators.filesystem.Mounts.MS_BIND;
import static io.corral.isolators.filesystem.Mounts.MS_NODEV;
import static io.corral.isolators.filesystem.Mounts.MS_NOEXEC;
import static io.corral.isolators.filesystem.Mounts.MS_NOSUID;
import static io.corral.isolators.filesystem.Mounts.MS_RDONLY;
import static io.corral.isolators.filesystem.Mounts.MS_REC;
import static io.corral.isolators.filesystem.Mounts.MS_STRICTATIME;

import io.corral.proto.v1.Mount;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The mounts that make a provisioned root filesystem a container's {@code /}, in Mesos' order
 * ({@code filesystem/linux} and its launch helper): the rootfs bound onto itself (pivot_root(2)
 * needs a mount point), {@code proc}, read-only {@code /proc} parts, a read-only {@code sysfs}
 * with an empty {@code /sys/fs/cgroup}, a tmpfs {@code /dev} with the host's standard device
 * nodes bound into it, {@code devpts}, {@code /dev/shm} and {@code mqueue}, then the masked
 * paths. Every target is under the rootfs: corral-init mounts them before it pivots, in the
 * container's new pid namespace, so the {@code proc} shows the container's processes. The links
 * of {@code /dev} ({@code fd}, {@code stdin}, {@code stdout}, {@code stderr}, {@code ptmx}) are
 * made by corral-init after the pivot (a plan has no symlinks). Reads the host's {@code /proc}
 * and {@code /sys} to skip masked paths this kernel does not have; otherwise pure.
 */
final class RootfsMounts {
  static final List<String> READ_ONLY_PROC = List.of(
      "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");
  static final List<String> DEVICES = List.of("full", "null", "random", "tty", "urandom", "zero");
  static final List<String> MASKED = List.of(
      "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/key-users",
      "/proc/latency_stats", "/proc/sched_debug", "/proc/scsi", "/proc/timer_list",
      "/proc/timer_stats", "/sys/firmware");

  private static final long HARDENED = MS_NOSUID | MS_NODEV | MS_NOEXEC;

  private RootfsMounts() {}

  /**
   * The mounts for {@code rootfs} (an absolute host path).
   *
   * @param mask whether to mask the {@link #MASKED} paths (not for a container that shares the
   *     host's pid namespace, as Mesos)
   */
  static List<Mount> of(String rootfs, boolean mask) {
    List<Mount> mounts = new ArrayList<>();
    mounts.add(Mount.newBuilder().setSource(rootfs).setTarget(rootfs).setFlags(MS_BIND | MS_REC)
        .build());
    mounts.add(Mounts.fresh("proc", rootfs + "/proc", HARDENED, null));
    for (String path : READ_ONLY_PROC) {
      if (Files.exists(Path.of(path), LinkOption.NOFOLLOW_LINKS)) {
        // /proc/<x> of the container's new proc, bound onto itself and made read-only.
        mounts.add(Mount.newBuilder().setSource(rootfs + path).setTarget(rootfs + path)
            .setFlags(MS_BIND | MS_REC).build());
        mounts.add(Mounts.readOnly(rootfs + path, HARDENED));
      }
    }
    mounts.add(Mounts.fresh("sysfs", rootfs + "/sys", MS_RDONLY | HARDENED, null));
    mounts.add(Mounts.fresh("tmpfs", rootfs + "/sys/fs/cgroup", HARDENED, "mode=755")
        .toBuilder().setCreateTarget(false).build());
    mounts.add(Mounts.fresh("tmpfs", rootfs + "/dev", MS_NOSUID | MS_NOEXEC | MS_STRICTATIME,
        "mode=755"));
    for (String device : DEVICES) {
      mounts.add(Mount.newBuilder().setSource("/dev/" + device).setTarget(rootfs + "/dev/" + device)
          .setFlags(MS_BIND).setCreateTarget(true).build());
    }
    mounts.add(Mounts.fresh("devpts", rootfs + "/dev/pts", MS_NOSUID | MS_NOEXEC,
        "newinstance,ptmxmode=0666,mode=0620,gid=5"));
    mounts.add(Mounts.fresh("tmpfs", rootfs + "/dev/shm", MS_NOSUID | MS_NODEV | MS_STRICTATIME,
        "mode=1777"));
    mounts.add(Mounts.fresh("mqueue", rootfs + "/dev/mqueue", HARDENED, null));
    if (mask) {
      mounts.addAll(masks(rootfs));
    }
    return mounts;
  }

  /** A file is hidden under {@code /dev/null}, a directory under an empty read-only tmpfs. */
  private static List<Mount> masks(String rootfs) {
    List<Mount> mounts = new ArrayList<>();
    for (String path : MASKED) {
      Path host = Path.of(path);
      if (Files.isDirectory(host, LinkOption.NOFOLLOW_LINKS)) {
        mounts.add(Mount.newBuilder().setSource("tmpfs").setTarget(rootfs + path).setType("tmpfs")
            .setFlags(MS_RDONLY | HARDENED).build());
      } else if (Files.exists(host, LinkOption.NOFOLLOW_LINKS)) {
        mounts.add(Mount.newBuilder().setSource("/dev/null").setTarget(rootfs + path)
            .setFlags(MS_BIND).build());
      }
    }
    return mounts;
  }
}
