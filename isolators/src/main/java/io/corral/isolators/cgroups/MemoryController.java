package io.corral.isolators.cgroups;

import io.corral.posix.Errno;
import io.corral.posix.LinuxException;
import io.corral.posix.cgroup.CgroupFs;
import io.corral.proto.v1.ResourceStatistics;
import java.util.Map;

/**
 * The {@code memory} controller of one cgroup. On v1: the hard and soft limits
 * ({@code memory.limit_in_bytes}, {@code memory.soft_limit_in_bytes}; -1 is unlimited), the
 * OOM control ({@code memory.oom_control}), and usage from {@code memory.usage_in_bytes},
 * {@code memory.max_usage_in_bytes} and the {@code total_*} lines of {@code memory.stat}. On v2:
 * {@code memory.max} (hard; {@code max} is unlimited), {@code memory.low} (the request as
 * best-effort protection), {@code memory.current}, {@code memory.peak} (when the kernel has it),
 * {@code memory.events} and {@code memory.stat}'s {@code anon}/{@code file} lines; v2 cannot
 * hold a cgroup at its limit, so the kernel OOM killer stays on ({@code memory.oom.group} = 1
 * kills the container's tasks together). Stateless; any thread.
 */
public final class MemoryController {
  /** Mesos' floor for any memory limit (MIN_MEMORY). */
  public static final long MIN_BYTES = 32L << 20;

  private final CgroupFs fs;
  private final String cgroup;
  private final boolean v2;

  public MemoryController(CgroupFs fs, String cgroup, boolean v2) {
    this.fs = fs;
    this.cgroup = cgroup;
    this.v2 = v2;
  }

  /** The hard limit in bytes; -1 removes it. */
  public void setHardLimit(long bytes) {
    if (v2) {
      fs.write(cgroup, "memory.max", bytes < 0 ? "max" : Long.toString(bytes));
    } else {
      fs.write(cgroup, "memory.limit_in_bytes", Long.toString(bytes));
    }
  }

  public void setSoftLimit(long bytes) {
    fs.write(cgroup, v2 ? "memory.low" : "memory.soft_limit_in_bytes", Long.toString(bytes));
  }

  /** The hard limit in bytes ({@link Long#MAX_VALUE} for v2's {@code max}). */
  public long hardLimit() {
    return number(fs.read(cgroup, v2 ? "memory.max" : "memory.limit_in_bytes"));
  }

  public long usage() {
    return number(fs.read(cgroup, v2 ? "memory.current" : "memory.usage_in_bytes"));
  }

  /** The peak usage; on a v2 kernel without {@code memory.peak} (before 5.19), the usage now. */
  public long maxUsage() {
    if (!v2) {
      return number(fs.read(cgroup, "memory.max_usage_in_bytes"));
    }
    try {
      return number(fs.read(cgroup, "memory.peak"));
    } catch (LinuxException e) {
      if (e.errno() != Errno.ENOENT) {
        throw e;
      }
      return usage();
    }
  }

  private static long number(String value) {
    String v = value.trim();
    return v.equals("max") ? Long.MAX_VALUE : Long.parseLong(v);
  }

  /** {@code memory.stat} as the kernel writes it. */
  public String stat() {
    return fs.read(cgroup, "memory.stat");
  }

  /**
   * Turns the kernel OOM killer off for this cgroup: at its limit the cgroup's tasks wait
   * (under_oom 1) instead of being killed, so the agent sees every OOM, captures the statistics
   * and destroys the container itself. NOTE: the kernel still kills tasks that are sent a
   * fatal signal while they wait, which is how the container is destroyed.
   */
  public void disableOomKiller() {
    if (v2) {
      fs.write(cgroup, "memory.oom.group", "1");
    } else {
      fs.write(cgroup, "memory.oom_control", "1");
    }
  }

  /** Whether the cgroup is at its limit now or the kernel has killed a task for it. */
  public boolean oomHappened() {
    if (v2) {
      return KeyValues.parse(fs.read(cgroup, "memory.events")).getOrDefault("oom_kill", 0L) > 0;
    }
    Map<String, Long> control = KeyValues.parse(fs.read(cgroup, "memory.oom_control"));
    return control.getOrDefault("under_oom", 0L) > 0 || control.getOrDefault("oom_kill", 0L) > 0;
  }

  /** rss, cache, swap, mapped file, unevictable, total and limit. */
  public void addUsage(ResourceStatistics.Builder statistics) {
    Map<String, Long> stat = KeyValues.parse(stat());
    if (v2) {
      statistics.setMemTotalBytes(usage())
          .setMemRssBytes(stat.getOrDefault("anon", 0L))
          .setMemAnonBytes(stat.getOrDefault("anon", 0L))
          .setMemCacheBytes(stat.getOrDefault("file", 0L))
          .setMemFileBytes(stat.getOrDefault("file", 0L))
          .setMemMappedFileBytes(stat.getOrDefault("file_mapped", 0L))
          .setMemUnevictableBytes(stat.getOrDefault("unevictable", 0L));
      long limit = hardLimit();
      if (limit != Long.MAX_VALUE) {
        statistics.setMemLimitBytes(limit);
      }
      if (fs.exists(cgroup)) {
        try {
          statistics.setMemSwapBytes(number(fs.read(cgroup, "memory.swap.current")));
        } catch (LinuxException e) {
          // No swap accounting on this kernel.
        }
      }
      return;
    }
    statistics.setMemTotalBytes(usage())
        .setMemLimitBytes(hardLimit())
        .setMemRssBytes(stat.getOrDefault("total_rss", 0L))
        .setMemAnonBytes(stat.getOrDefault("total_rss", 0L))
        .setMemCacheBytes(stat.getOrDefault("total_cache", 0L))
        .setMemFileBytes(stat.getOrDefault("total_cache", 0L))
        .setMemSwapBytes(stat.getOrDefault("total_swap", 0L))
        .setMemMappedFileBytes(stat.getOrDefault("total_mapped_file", 0L))
        .setMemUnevictableBytes(stat.getOrDefault("total_unevictable", 0L));
  }

  /** Bytes as Mesos prints them: the largest unit (GB, MB, KB, B) that divides them exactly. */
  public static String format(long bytes) {
    long[] units = {1L << 30, 1L << 20, 1L << 10};
    String[] names = {"GB", "MB", "KB"};
    for (int i = 0; i < units.length; i++) {
      if (bytes != 0 && bytes % units[i] == 0) {
        return bytes / units[i] + names[i];
      }
    }
    return bytes + "B";
  }
}
