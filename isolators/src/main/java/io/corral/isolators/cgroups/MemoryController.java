package io.corral.isolators.cgroups;

import io.corral.posix.cgroup.CgroupFs;
import io.corral.proto.v1.ResourceStatistics;
import java.util.Map;

/**
 * The v1 {@code memory} subsystem of one cgroup: the hard and soft limits
 * ({@code memory.limit_in_bytes}, {@code memory.soft_limit_in_bytes}; -1 is unlimited), the
 * OOM control ({@code memory.oom_control}), and usage from {@code memory.usage_in_bytes},
 * {@code memory.max_usage_in_bytes} and the {@code total_*} lines of {@code memory.stat}.
 * Stateless; any thread.
 */
public final class MemoryController {
  /** Mesos' floor for any memory limit (MIN_MEMORY). */
  public static final long MIN_BYTES = 32L << 20;

  private final CgroupFs fs;
  private final String cgroup;

  public MemoryController(CgroupFs fs, String cgroup) {
    this.fs = fs;
    this.cgroup = cgroup;
  }

  public void setHardLimit(long bytes) {
    fs.write(cgroup, "memory.limit_in_bytes", Long.toString(bytes));
  }

  public void setSoftLimit(long bytes) {
    fs.write(cgroup, "memory.soft_limit_in_bytes", Long.toString(bytes));
  }

  public long hardLimit() {
    return Long.parseLong(fs.read(cgroup, "memory.limit_in_bytes").trim());
  }

  public long usage() {
    return Long.parseLong(fs.read(cgroup, "memory.usage_in_bytes").trim());
  }

  public long maxUsage() {
    return Long.parseLong(fs.read(cgroup, "memory.max_usage_in_bytes").trim());
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
    fs.write(cgroup, "memory.oom_control", "1");
  }

  /** Whether the cgroup is at its limit now or the kernel has killed a task for it. */
  public boolean oomHappened() {
    Map<String, Long> control = KeyValues.parse(fs.read(cgroup, "memory.oom_control"));
    return control.getOrDefault("under_oom", 0L) > 0 || control.getOrDefault("oom_kill", 0L) > 0;
  }

  /** rss, cache, swap, mapped file, unevictable, total and limit. */
  public void addUsage(ResourceStatistics.Builder statistics) {
    Map<String, Long> stat = KeyValues.parse(stat());
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
