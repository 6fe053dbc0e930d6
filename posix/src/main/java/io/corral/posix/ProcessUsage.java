package io.corral.posix;

import java.util.OptionalLong;

/**
 * One process as {@code posix/cpu} and {@code posix/mem} see it: its place in the process tree,
 * its cpu time and its resident memory. Where the source tells user from system time
 * ({@code /proc}) both are known; where it gives only their sum ({@code ps}'s {@code time}),
 * {@link #userCpuNanos} is empty. Immutable.
 *
 * @param pid the process
 * @param ppid its parent
 * @param cpuNanos user plus system cpu time, in nanoseconds
 * @param userCpuNanos the user part of it, where the source tells it apart
 * @param rssBytes resident memory, in bytes
 */
public record ProcessUsage(int pid, int ppid, long cpuNanos, OptionalLong userCpuNanos, long rssBytes) {

  /** The system part of the cpu time, where the source tells it apart. */
  public OptionalLong systemCpuNanos() {
    return userCpuNanos.isPresent() ? OptionalLong.of(cpuNanos - userCpuNanos.getAsLong()) : OptionalLong.empty();
  }
}
