package io.corral.isolators.cgroups;

import io.corral.posix.cgroup.CgroupFs;
import io.corral.proto.v1.ResourceStatistics;
import java.util.Map;

/**
 * The {@code cpu} controller of one cgroup: on v1 {@code cpu.shares} (Mesos: 1024 per cpu, at
 * least 2), CFS bandwidth ({@code cpu.cfs_period_us} 100 ms, {@code cpu.cfs_quota_us} = period x
 * cpus, at least 1 ms; -1 for unlimited) and the throttling counters of {@code cpu.stat}. On v2
 * the same numbers go to {@code cpu.weight} (the shares mapped onto 1..10000 as the kernel's
 * own conversion does) and {@code cpu.max} ({@code "<quota> <period>"} or {@code "max <period>"}),
 * and throttling is read from {@code cpu.stat}'s {@code throttled_usec}. Stateless; any thread.
 */
public final class CpuController {
  static final long SHARES_PER_CPU = 1024;
  static final long MIN_SHARES = 2;
  static final long CFS_PERIOD_US = 100_000;
  static final long MIN_CFS_QUOTA_US = 1_000;

  private final CgroupFs fs;
  private final String cgroup;
  private final boolean v2;

  public CpuController(CgroupFs fs, String cgroup, boolean v2) {
    this.fs = fs;
    this.cgroup = cgroup;
    this.v2 = v2;
  }

  /** The v2 weight for v1 shares: 2..262144 mapped linearly onto 1..10000. */
  public static long weight(long shares) {
    return 1 + ((shares - 2) * 9999) / 262142;
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
    if (v2) {
      fs.write(cgroup, "cpu.weight", Long.toString(weight(shares(cpus))));
    } else {
      fs.write(cgroup, "cpu.shares", Long.toString(shares(cpus)));
    }
  }

  public void setQuota(double cpus) {
    long quota = quotaMicros(cpus);
    if (v2) {
      fs.write(cgroup, "cpu.max", (quota < 0 ? "max" : Long.toString(quota)) + " " + CFS_PERIOD_US);
      return;
    }
    fs.write(cgroup, "cpu.cfs_period_us", Long.toString(CFS_PERIOD_US));
    fs.write(cgroup, "cpu.cfs_quota_us", Long.toString(quota));
  }

  /** {@code cpus_nr_periods}, {@code cpus_nr_throttled}, {@code cpus_throttled_time_secs}. */
  public void addThrottling(ResourceStatistics.Builder statistics) {
    Map<String, Long> stat = KeyValues.parse(fs.read(cgroup, "cpu.stat"));
    statistics.setCpusNrPeriods(stat.getOrDefault("nr_periods", 0L).intValue())
        .setCpusNrThrottled(stat.getOrDefault("nr_throttled", 0L).intValue())
        .setCpusThrottledTimeSecs(v2 ? stat.getOrDefault("throttled_usec", 0L) / 1e6
            : stat.getOrDefault("throttled_time", 0L) / 1e9);
  }
}
