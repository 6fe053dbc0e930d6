package io.corral.isolators.cgroups;

import io.corral.posix.cgroup.CgroupFs;
import io.corral.proto.v1.ResourceStatistics;
import java.util.Map;

/**
 * The v1 {@code cpu} subsystem of one cgroup: {@code cpu.shares} (Mesos: 1024 per cpu, at least
 * 2), CFS bandwidth ({@code cpu.cfs_period_us} 100 ms, {@code cpu.cfs_quota_us} = period x cpus,
 * at least 1 ms; -1 for unlimited) and the throttling counters of {@code cpu.stat}. Stateless;
 * any thread.
 */
public final class CpuController {
  static final long SHARES_PER_CPU = 1024;
  static final long MIN_SHARES = 2;
  static final long CFS_PERIOD_US = 100_000;
  static final long MIN_CFS_QUOTA_US = 1_000;

  private final CgroupFs fs;
  private final String cgroup;

  public CpuController(CgroupFs fs, String cgroup) {
    this.fs = fs;
    this.cgroup = cgroup;
  }

  /** The shares for a cpus request, as Mesos computes them. */
  public static long shares(double cpus) {
    return Math.max((long) (SHARES_PER_CPU * cpus), MIN_SHARES);
  }

  /** The CFS quota for a cpus value; infinity is -1 (no quota). */
  public static long quotaMicros(double cpus) {
    if (Double.isInfinite(cpus)) {
      return -1;
    }
    return Math.max((long) (CFS_PERIOD_US * cpus), MIN_CFS_QUOTA_US);
  }

  public void setShares(double cpus) {
    fs.write(cgroup, "cpu.shares", Long.toString(shares(cpus)));
  }

  public void setQuota(double cpus) {
    fs.write(cgroup, "cpu.cfs_period_us", Long.toString(CFS_PERIOD_US));
    fs.write(cgroup, "cpu.cfs_quota_us", Long.toString(quotaMicros(cpus)));
  }

  /** {@code cpus_nr_periods}, {@code cpus_nr_throttled}, {@code cpus_throttled_time_secs}. */
  public void addThrottling(ResourceStatistics.Builder statistics) {
    Map<String, Long> stat = KeyValues.parse(fs.read(cgroup, "cpu.stat"));
    statistics.setCpusNrPeriods(stat.getOrDefault("nr_periods", 0L).intValue())
        .setCpusNrThrottled(stat.getOrDefault("nr_throttled", 0L).intValue())
        .setCpusThrottledTimeSecs(stat.getOrDefault("throttled_time", 0L) / 1e9);
  }
}
