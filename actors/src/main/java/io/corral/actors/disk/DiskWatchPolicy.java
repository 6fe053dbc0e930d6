package io.corral.actors.disk;

import java.time.Duration;

/**
 * When to measure a sandbox next, after a sample: {@code --container_disk_watch_interval} by
 * default, sooner for a container close to its quota, so that a fast writer is caught closer to
 * its limit than Mesos' fixed spacing allows. Pure; any thread.
 *
 * <ul>
 *   <li>No usage (a failed or cancelled run), no quota, or already above it: the interval.
 *   <li>At 90% of the quota or more: a quarter of the interval.
 *   <li>Growing since the previous sample: at most half the time the growth rate needs to reach
 *       the quota.
 *   <li>Never sooner than a tenth of the interval, so a near-full sandbox cannot keep {@code du}
 *       busy.
 * </ul>
 */
final class DiskWatchPolicy {
  private DiskWatchPolicy() {}

  /**
   * The delay before the next sample.
   *
   * @param used the bytes just measured, or -1 when the run gave no usage
   * @param previous the bytes measured before, or -1 when unknown
   * @param since how long before this sample the previous one was scheduled
   * @param limit the quota in bytes, 0 for none
   */
  static Duration nextDelay(Duration interval, long used, long previous, Duration since, long limit) {
    if (used < 0 || limit <= 0 || used >= limit) {
      return interval;
    }
    long delay = interval.toNanos();
    if (used >= limit - limit / 10) {
      delay = delay / 4;
    }
    if (previous >= 0 && used > previous && !since.isZero()) {
      double growthPerNano = (double) (used - previous) / since.toNanos();
      double untilFull = (limit - used) / growthPerNano;
      delay = Math.min(delay, (long) (untilFull / 2));
    }
    long floor = Math.max(1_000_000L, interval.toNanos() / 10);
    return Duration.ofNanos(Math.max(delay, Math.min(floor, interval.toNanos())));
  }
}
