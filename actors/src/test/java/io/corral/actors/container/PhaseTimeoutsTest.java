package io.corral.actors.container;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class PhaseTimeoutsTest {
  @Test
  void durationsReadLikeTheFlagThatSetThem() {
    assertEquals("1mins", PhaseTimeouts.format(Duration.ofMinutes(1)));
    assertEquals("5secs", PhaseTimeouts.format(Duration.ofSeconds(5)));
    assertEquals("1.5secs", PhaseTimeouts.format(Duration.ofMillis(1500)));
    assertEquals("300ms", PhaseTimeouts.format(Duration.ofMillis(300)));
    assertEquals("2hrs", PhaseTimeouts.format(Duration.ofHours(2)));
    assertEquals("0ns", PhaseTimeouts.format(Duration.ZERO));
  }
}
