package io.corral.isolators.posix;

import io.corral.posix.ProcFs;
import io.corral.posix.ProcessTable;
import io.corral.proto.v1.ResourceStatistics;
import java.util.OptionalLong;

/**
 * {@code posix/cpu}: the cpu time of the container's process tree: the sum over the init and
 * all its descendants, in seconds. From {@code /proc} user and system time are told apart
 * ({@code cpus_user_time_secs}, {@code cpus_system_time_secs}); from {@code ps}, which gives
 * only their sum, {@code cpus_user_time_secs} carries the sum and {@code cpus_system_time_secs}
 * is left unset (so user plus system is still the tree's cpu time). Accounting only; see
 * {@link PosixIsolator} for state, threading, recover and cleanup.
 */
public final class PosixCpuIsolator extends PosixIsolator {
  private static final double SECOND = 1e9;

  /** Reading {@code /proc}. */
  public PosixCpuIsolator(ProcFs proc) {
    this(ProcessTable.of(proc));
  }

  public PosixCpuIsolator(ProcessTable table) {
    super(table);
  }

  @Override
  public String name() {
    return "posix/cpu";
  }

  @Override
  protected void addUsage(ProcessTree tree, ResourceStatistics.Builder stats) {
    long cpu = tree.cpuNanos();
    OptionalLong user = tree.userCpuNanos();
    if (user.isPresent()) {
      stats.setCpusUserTimeSecs(user.getAsLong() / SECOND)
          .setCpusSystemTimeSecs((cpu - user.getAsLong()) / SECOND);
    } else {
      stats.setCpusUserTimeSecs(cpu / SECOND);
    }
  }
}
