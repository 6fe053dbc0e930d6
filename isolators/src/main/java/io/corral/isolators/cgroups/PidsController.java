package io.corral.isolators.cgroups;

import io.corral.posix.cgroup.CgroupFs;
import io.corral.proto.v1.ResourceStatistics;

/**
 * The v1 {@code pids} subsystem of one cgroup: {@code pids.max} (a number, or {@code max}) and
 * the counts {@code processes} (lines of {@code cgroup.procs}) and {@code threads}
 * ({@code pids.current}: the kernel counts every task). Stateless; any thread.
 */
public final class PidsController {
  private final CgroupFs fs;
  private final String cgroup;

  public PidsController(CgroupFs fs, String cgroup) {
    this.fs = fs;
    this.cgroup = cgroup;
  }

  /** Writes {@code pids.max}; 0 or less means no limit ({@code max}). */
  public void setMax(long max) {
    fs.write(cgroup, "pids.max", max > 0 ? Long.toString(max) : "max");
  }

  public String max() {
    return fs.read(cgroup, "pids.max");
  }

  public void addUsage(ResourceStatistics.Builder statistics) {
    statistics.setProcesses(fs.procs(cgroup).size())
        .setThreads(Integer.parseInt(fs.read(cgroup, "pids.current").trim()));
  }
}
