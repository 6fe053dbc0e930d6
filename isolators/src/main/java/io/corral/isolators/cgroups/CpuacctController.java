package io.corral.isolators.cgroups;

import io.corral.posix.cgroup.CgroupFs;
import io.corral.proto.v1.ResourceStatistics;
import java.util.Map;

/**
 * The v1 {@code cpuacct} subsystem of one cgroup: user and system time from
 * {@code cpuacct.stat}, whose values are in USER_HZ ticks ({@code sysconf(_SC_CLK_TCK)}), as
 * {@code cpus_user_time_secs} and {@code cpus_system_time_secs}. On v2 there is no cpuacct: the
 * same numbers come from the cpu controller's {@code cpu.stat} ({@code user_usec},
 * {@code system_usec}). Stateless; any thread.
 */
public final class CpuacctController {
  private final CgroupFs fs;
  private final String cgroup;
  private final boolean v2;

  public CpuacctController(CgroupFs fs, String cgroup, boolean v2) {
    this.fs = fs;
    this.cgroup = cgroup;
    this.v2 = v2;
  }

  public void addUsage(ResourceStatistics.Builder statistics, long ticksPerSecond) {
    if (v2) {
      Map<String, Long> stat = KeyValues.parse(fs.read(cgroup, "cpu.stat"));
      statistics.setCpusUserTimeSecs(stat.getOrDefault("user_usec", 0L) / 1e6)
          .setCpusSystemTimeSecs(stat.getOrDefault("system_usec", 0L) / 1e6);
      return;
    }
    Map<String, Long> stat = KeyValues.parse(fs.read(cgroup, "cpuacct.stat"));
    statistics.setCpusUserTimeSecs(stat.getOrDefault("user", 0L) / (double) ticksPerSecond)
        .setCpusSystemTimeSecs(stat.getOrDefault("system", 0L) / (double) ticksPerSecond);
  }
}
