package io.corral.isolators.posix;

import io.corral.posix.ProcFs;
import io.corral.proto.v1.ResourceStatistics;

/**
 * {@code posix/cpu}: the cpu time of the container's process tree, from {@code /proc}: the sum
 * of utime and stime over the init and all its descendants, in seconds
 * ({@code cpus_user_time_secs}, {@code cpus_system_time_secs}). Accounting only; see
 * {@link PosixIsolator} for state, threading, recover and cleanup.
 */
public final class PosixCpuIsolator extends PosixIsolator {

  public PosixCpuIsolator(ProcFs proc) {
    super(proc);
  }

  @Override
  public String name() {
    return "posix/cpu";
  }

  @Override
  protected void addUsage(ProcessTree tree, ProcFs proc, ResourceStatistics.Builder stats) {
    double ticks = proc.clockTicksPerSecond();
    stats.setCpusUserTimeSecs(tree.utimeTicks() / ticks)
        .setCpusSystemTimeSecs(tree.stimeTicks() / ticks);
  }
}
