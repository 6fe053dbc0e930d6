package io.corral.ops;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Mesos (stout) durations: a decimal number followed by one of the units {@code ns}, {@code us},
 * {@code ms}, {@code secs}, {@code mins}, {@code hrs}, {@code days}, {@code weeks}, as in
 * {@code --container_disk_watch_interval=15secs}. {@link #format} writes a duration the way stout
 * prints one in {@code GET_FLAGS}: in the largest unit that is at least one, with up to 15
 * significant digits ({@code 15secs}, {@code 500ms}, {@code 1.5mins}, {@code 0ns}).
 *
 * <p>Stateless; safe from any thread.
 */
public final class Durations {
  private Durations() {}

  private record Unit(String name, long nanos) {}

  /** Largest first, as {@link #format} picks them. */
  private static final List<Unit> UNITS =
      List.of(
          new Unit("weeks", 7L * 24 * 3600 * 1_000_000_000L),
          new Unit("days", 24L * 3600 * 1_000_000_000L),
          new Unit("hrs", 3600L * 1_000_000_000L),
          new Unit("mins", 60L * 1_000_000_000L),
          new Unit("secs", 1_000_000_000L),
          new Unit("ms", 1_000_000L),
          new Unit("us", 1_000L),
          new Unit("ns", 1L));

  private static final Pattern SYNTAX = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)([a-z]+)");

  /**
   * Parses a non-negative stout duration.
   *
   * @throws IllegalArgumentException naming the text and what is wrong with it
   */
  public static Duration parse(String text) {
    Matcher m = SYNTAX.matcher(text == null ? "" : text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "Failed to parse duration '" + text + "': expected a number followed by a unit (" + unitNames() + ")");
    }
    String unitName = m.group(2);
    Unit unit =
        UNITS.stream()
            .filter(u -> u.name().equals(unitName))
            .findFirst()
            .orElseThrow(
                () -> new IllegalArgumentException(
                    "Failed to parse duration '" + text + "': unknown unit '" + unitName
                        + "' (expected one of " + unitNames() + ")"));
    BigDecimal nanos =
        new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unit.nanos())).setScale(0, RoundingMode.HALF_UP);
    if (nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
      throw new IllegalArgumentException("Failed to parse duration '" + text + "': out of range");
    }
    return Duration.ofNanos(nanos.longValueExact());
  }

  /** Formats a duration as stout does, for example {@code 15secs} or {@code 1.5mins}. */
  public static String format(Duration duration) {
    String sign = duration.isNegative() ? "-" : "";
    BigDecimal nanos = new BigDecimal(duration.toNanos()).abs();
    for (Unit unit : UNITS) {
      BigDecimal one = BigDecimal.valueOf(unit.nanos());
      if (nanos.compareTo(one) >= 0 || unit.nanos() == 1) {
        BigDecimal value = nanos.divide(one, new MathContext(15, RoundingMode.HALF_EVEN));
        return sign + value.stripTrailingZeros().toPlainString() + unit.name();
      }
    }
    throw new AssertionError("unreachable: the last unit is 1ns");
  }

  private static String unitNames() {
    StringBuilder names = new StringBuilder();
    for (int i = UNITS.size() - 1; i >= 0; i--) {
      names.append(UNITS.get(i).name()).append(i > 0 ? ", " : "");
    }
    return names.toString();
  }
}
