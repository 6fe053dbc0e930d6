package io.corral.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {

  @Test
  void parsesEveryStoutUnit() {
    assertEquals(Duration.ofNanos(7), Durations.parse("7ns"));
    assertEquals(Duration.ofNanos(3_000), Durations.parse("3us"));
    assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
    assertEquals(Duration.ofSeconds(15), Durations.parse("15secs"));
    assertEquals(Duration.ofMinutes(1), Durations.parse("1mins"));
    assertEquals(Duration.ofHours(2), Durations.parse("2hrs"));
    assertEquals(Duration.ofDays(1), Durations.parse("1days"));
    assertEquals(Duration.ofDays(14), Durations.parse("2weeks"));
  }

  @Test
  void parsesFractionsAndSurroundingSpace() {
    assertEquals(Duration.ofSeconds(90), Durations.parse("1.5mins"));
    assertEquals(Duration.ofMillis(250), Durations.parse(".25secs"));
    assertEquals(Duration.ofSeconds(3), Durations.parse(" 3secs "));
    assertEquals(Duration.ZERO, Durations.parse("0ns"));
  }

  @Test
  void refusesMissingOrUnknownUnitsAndGarbage() {
    IllegalArgumentException unit = assertThrows(IllegalArgumentException.class, () -> Durations.parse("15s"));
    assertEquals(
        "Failed to parse duration '15s': unknown unit 's' (expected one of ns, us, ms, secs, mins, hrs, days, weeks)",
        unit.getMessage());
    for (String bad : new String[] {"15", "secs", "-1secs", "1e3ms", "", "1 secs"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(bad), bad);
      assertTrue(e.getMessage().startsWith("Failed to parse duration '" + bad + "'"), e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> Durations.parse(null));
    assertThrows(IllegalArgumentException.class, () -> Durations.parse("99999999weeks"));
  }

  @Test
  void formatsInTheLargestWholeUnitAsStoutDoes() {
    assertEquals("15secs", Durations.format(Duration.ofSeconds(15)));
    assertEquals("500ms", Durations.format(Duration.ofMillis(500)));
    assertEquals("1mins", Durations.format(Duration.ofMinutes(1)));
    assertEquals("1.5mins", Durations.format(Duration.ofSeconds(90)));
    assertEquals("2hrs", Durations.format(Duration.ofHours(2)));
    assertEquals("1days", Durations.format(Duration.ofDays(1)));
    assertEquals("1weeks", Durations.format(Duration.ofDays(7)));
    assertEquals("1.42857142857143weeks", Durations.format(Duration.ofDays(10)), "15 significant digits, as stout");
    assertEquals("3us", Durations.format(Duration.ofNanos(3_000)));
    assertEquals("0ns", Durations.format(Duration.ZERO));
    assertEquals("-2secs", Durations.format(Duration.ofSeconds(-2)));
  }

  @Test
  void formatThenParseRoundTrips() {
    for (String text : new String[] {"15secs", "500ms", "1.5mins", "2hrs", "3days", "3weeks", "42ns", "1.001secs"}) {
      assertEquals(text, Durations.format(Durations.parse(text)));
    }
  }
}
