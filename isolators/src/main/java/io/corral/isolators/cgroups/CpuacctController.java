package io.corral.isolators.cgroups;

import io.corral.posix.cgroup.CgroupFs;
import io.corral.proto.v1.ResourceStatistics;
import java.util.Map;

/**
 * The v1 {@code cpuacct} subsystem of one cgroup: user and system time from
 * {@code cpuacct.stat}, whose values are in USER_HZ ticks ({@code sysconf(_SC_CLK_TCK)}), as
 * {@code cpus_user_time_secs} and {@code cpus_system_time_secs}. Stateless; any thread.
 */
public final class CpuacctController {
  private final CgroupFs fs;
  private final String cgroup;

  public CpuacctController(CgroupFs fs, String cgroup) {
    this.fs = fs;
    this.cgroup = cgroup;
  }

  public void addUsage(ResourceStatistics.Builder statistics, long ticksPerSecond) {
    Map<String, Long> stat = KeyValues.parse(fs.read(cgroup, "cpuacct.stat"));
    statistics.setCpusUserTimeSecs(stat.getOrDefault("user", 0L) / (double) ticksPerSecond)
        .setCpusSystemTimeSecs(stat.getOrDefault("system", 0L) / (double) ticksPerSecond);
  }
}
