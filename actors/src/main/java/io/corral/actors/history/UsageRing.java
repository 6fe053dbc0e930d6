package io.corral.actors.history;

import java.util.ArrayList;
import java.util.List;

/**
 * The last {@code capacity} usage samples of one container, oldest first: a fixed array written
 * round, so a container costs the same memory however long it runs. {@link #points()} turns the
 * cumulative CPU seconds into a rate (CPUs used) between consecutive samples.
 *
 * <p>Not thread-safe: owned by one actor.
 */
public final class UsageRing {
  /** One reading: when (epoch milliseconds), cumulative CPU seconds, memory and disk bytes. */
  record Sample(long atMillis, double cpuSeconds, long memoryBytes, long diskBytes) {}

  /**
   * One point of a sparkline: when, the CPUs used since the previous sample (NaN for the first
   * sample, or when the clock or the counter went backwards), memory and disk bytes.
   */
  public record Point(long atMillis, double cpus, long memoryBytes, long diskBytes) {}

  private final Sample[] samples;
  private int next;
  private int size;

  UsageRing(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive: " + capacity);
    }
    this.samples = new Sample[capacity];
  }

  void add(Sample sample) {
    samples[next] = sample;
    next = (next + 1) % samples.length;
    size = Math.min(size + 1, samples.length);
  }

  int size() {
    return size;
  }

  /** The samples as points, oldest first. */
  List<Point> points() {
    List<Point> points = new ArrayList<>(size);
    Sample previous = null;
    for (int i = 0; i < size; i++) {
      Sample s = samples[(next - size + i + samples.length) % samples.length];
      points.add(new Point(s.atMillis(), rate(previous, s), s.memoryBytes(), s.diskBytes()));
      previous = s;
    }
    return points;
  }

  private static double rate(Sample previous, Sample now) {
    if (previous == null) {
      return Double.NaN;
    }
    long elapsed = now.atMillis() - previous.atMillis();
    double used = now.cpuSeconds() - previous.cpuSeconds();
    return elapsed <= 0 || used < 0 ? Double.NaN : used * 1000.0 / elapsed;
  }
}
