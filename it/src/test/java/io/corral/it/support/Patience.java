package io.corral.it.support;

import java.time.Duration;

/**
 * How long the tests wait for what they expect: their timeouts times {@code -Dcorral.it.patience}
 * (default 1). The test guest runs every JVM several times slower than the host (an emulated or
 * user-mode kernel), so {@code GuestKernelIT} raises it there; a timeout only bounds a wait that
 * ends as soon as its condition holds, so a larger one costs nothing when the test passes.
 */
public final class Patience {
  private static final long FACTOR = Math.max(1, Long.getLong("corral.it.patience", 1));

  private Patience() {}

  public static Duration of(Duration timeout) {
    return timeout.multipliedBy(FACTOR);
  }

  public static long seconds(long seconds) {
    return seconds * FACTOR;
  }
}
