package io.corral.posix;

import java.util.List;
import java.util.OptionalLong;

/**
 * The host's process table as {@code posix/cpu} and {@code posix/mem} read it: every process
 * with its parent, cpu time and resident memory, in one snapshot. {@link #of(ProcFs)} reads
 * {@code /proc} (Linux); {@code io.corral.posix.ps.PsProcessTable} runs {@code ps} (any POSIX
 * system). Implementations are thread-safe; every call blocks the caller.
 */
public interface ProcessTable {
  /**
   * Every process on the host; processes that vanish while reading are left out.
   *
   * @throws RuntimeException with a message in Mesos' form when the table cannot be read
   */
  List<ProcessUsage> processes();

  /** Where the numbers come from, for the agent's start log. */
  String describe();

  /** The table under {@code /proc}: user and system time told apart, in clock ticks. */
  static ProcessTable of(ProcFs proc) {
    return new ProcessTable() {
      @Override
      public List<ProcessUsage> processes() {
        long ticks = proc.clockTicksPerSecond();
        long page = proc.pageSize();
        return proc.processes().stream().map(s -> new ProcessUsage(s.pid(), s.ppid(),
            nanos(s.utimeTicks() + s.stimeTicks(), ticks), OptionalLong.of(nanos(s.utimeTicks(), ticks)),
            s.rssPages() * page)).toList();
      }

      @Override
      public String describe() {
        return "/proc (user and system time, resident pages)";
      }
    };
  }

  private static long nanos(long ticks, long ticksPerSecond) {
    return ticks / ticksPerSecond * 1_000_000_000L + ticks % ticksPerSecond * 1_000_000_000L / ticksPerSecond;
  }
}
