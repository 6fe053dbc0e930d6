package io.corral.actors.container;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.Duration;

/**
 * Writes the durations of timeout messages the way Mesos (stout) prints a duration: in the
 * largest unit that is at least one, without trailing zeros ({@code 5secs}, {@code 500ms},
 * {@code 1.5mins}), so that {@code timed out after 5secs} reads like the flag that set it.
 * Stateless; safe from any thread.
 */
public final class PhaseTimeouts {
  private PhaseTimeouts() {}

  private static final String[] NAMES = {"weeks", "days", "hrs", "mins", "secs", "ms", "us", "ns"};
  private static final long[] NANOS = {
      604_800_000_000_000L, 86_400_000_000_000L, 3_600_000_000_000L, 60_000_000_000L,
      1_000_000_000L, 1_000_000L, 1_000L, 1L};

  public static String format(Duration duration) {
    BigDecimal nanos = BigDecimal.valueOf(duration.toNanos()).abs();
    String sign = duration.isNegative() ? "-" : "";
    for (int i = 0; i < NANOS.length; i++) {
      BigDecimal one = BigDecimal.valueOf(NANOS[i]);
      if (nanos.compareTo(one) >= 0 || NANOS[i] == 1) {
        return sign + nanos.divide(one, new MathContext(15, RoundingMode.HALF_EVEN))
            .stripTrailingZeros().toPlainString() + NAMES[i];
      }
    }
    throw new AssertionError("unreachable: the last unit is 1ns");
  }
}
