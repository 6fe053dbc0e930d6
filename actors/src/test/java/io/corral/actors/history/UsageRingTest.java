package io.corral.actors.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The ring keeps the newest samples, oldest first, and turns CPU seconds into CPUs used. */
class UsageRingTest {
  @Test
  void keepsTheNewestSamplesOldestFirst() {
    UsageRing ring = new UsageRing(3);
    for (int i = 0; i < 5; i++) {
      ring.add(new UsageRing.Sample(1000L * i, i, 10L * i, 100L * i));
    }
    List<UsageRing.Point> points = ring.points();
    assertEquals(3, ring.size());
    assertEquals(List.of(2000L, 3000L, 4000L), points.stream().map(UsageRing.Point::atMillis).toList());
    assertEquals(List.of(20L, 30L, 40L), points.stream().map(UsageRing.Point::memoryBytes).toList());
    assertEquals(List.of(200L, 300L, 400L), points.stream().map(UsageRing.Point::diskBytes).toList());
  }

  @Test
  void cpuIsTheRateBetweenConsecutiveSamples() {
    UsageRing ring = new UsageRing(4);
    ring.add(new UsageRing.Sample(10_000, 1.0, 0, 0));
    ring.add(new UsageRing.Sample(12_000, 2.0, 0, 0));
    ring.add(new UsageRing.Sample(16_000, 2.5, 0, 0));
    List<UsageRing.Point> points = ring.points();
    assertTrue(Double.isNaN(points.get(0).cpus()), "no rate before the second sample");
    assertEquals(0.5, points.get(1).cpus(), 1e-9);
    assertEquals(0.125, points.get(2).cpus(), 1e-9);
  }

  @Test
  void aClockOrCounterGoingBackwardsGivesNoRate() {
    UsageRing ring = new UsageRing(3);
    ring.add(new UsageRing.Sample(10_000, 5.0, 0, 0));
    ring.add(new UsageRing.Sample(10_000, 6.0, 0, 0));
    ring.add(new UsageRing.Sample(11_000, 1.0, 0, 0));
    assertTrue(Double.isNaN(ring.points().get(1).cpus()), "no time passed");
    assertTrue(Double.isNaN(ring.points().get(2).cpus()), "the counter went back");
  }

  @Test
  void refusesAnEmptyRing() {
    assertThrows(IllegalArgumentException.class, () -> new UsageRing(0));
  }
}
