package io.corral.actors.disk;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** When the next sample is due: the interval, or sooner near the quota. */
class DiskWatchPolicyTest {
  private static final Duration INTERVAL = Duration.ofSeconds(15);
  private static final long MB = 1 << 20;

  private static Duration next(long used, long previous, Duration since, long limit) {
    return DiskWatchPolicy.nextDelay(INTERVAL, used, previous, since, limit);
  }

  @Test
  void theIntervalWhenThereIsNothingToWatchFor() {
    assertEquals(INTERVAL, next(-1, 10 * MB, INTERVAL, 100 * MB), "failed run");
    assertEquals(INTERVAL, next(10 * MB, -1, Duration.ZERO, 0), "no quota");
    assertEquals(INTERVAL, next(200 * MB, 10 * MB, INTERVAL, 100 * MB), "already over");
    assertEquals(INTERVAL, next(10 * MB, 10 * MB, INTERVAL, 100 * MB), "not growing");
    assertEquals(INTERVAL, next(10 * MB, 20 * MB, INTERVAL, 100 * MB), "shrinking");
  }

  @Test
  void aQuarterOfTheIntervalAtNinetyPercent() {
    assertEquals(INTERVAL.dividedBy(4), next(90 * MB, -1, Duration.ZERO, 100 * MB));
    assertEquals(INTERVAL, next(89 * MB, -1, Duration.ZERO, 100 * MB));
  }

  @Test
  void halfTheTimeTheGrowthNeedsToReachTheQuota() {
    // 10MB per 15s with 40MB left: full in 60s, so the interval stands.
    assertEquals(INTERVAL, next(60 * MB, 50 * MB, INTERVAL, 100 * MB));
    // 20MB per 15s with 20MB left: full in 15s, next in 7.5s.
    assertEquals(Duration.ofMillis(7500), next(80 * MB, 60 * MB, INTERVAL, 100 * MB));
  }

  @Test
  void neverSoonerThanATenthOfTheInterval() {
    assertEquals(Duration.ofMillis(1500), next(99 * MB, 10 * MB, INTERVAL, 100 * MB));
  }
}
