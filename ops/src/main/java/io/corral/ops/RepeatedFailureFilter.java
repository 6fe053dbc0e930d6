package io.corral.ops;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Marker;

/**
 * Rate-limits repeated failures in the agent's log: a WARN or ERROR line identical to an earlier
 * one (same logger, message pattern and arguments) is logged at most {@link #ALLOWED} times per
 * window ({@code --log_repeat_window}, a minute by default); the next one that gets through after some were dropped says how many
 * were ({@code "(N similar lines suppressed)"} is logged by this filter just before it). INFO and
 * below pass untouched, so state transitions stay complete. Keys are kept for the
 * {@link #KEYS} most recent distinct failures.
 *
 * <p>Threading: Logback calls it from every logging thread; its state is guarded by itself.
 */
final class RepeatedFailureFilter extends TurboFilter {
  static final int ALLOWED = 5;
  static final int KEYS = 256;
  private static final ThreadLocal<Boolean> REPORTING = ThreadLocal.withInitial(() -> false);

  private final LongSupplier clock;
  private final long windowNanos;
  private final Map<String, Window> windows = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Window> eldest) {
      return size() > KEYS;
    }
  };

  RepeatedFailureFilter(java.time.Duration window) {
    this(window, System::nanoTime);
  }

  RepeatedFailureFilter(java.time.Duration window, LongSupplier clock) {
    this.windowNanos = window.toNanos();
    this.clock = clock;
  }

  private static final class Window {
    long start;
    int count;
    int suppressed;
  }

  @Override
  public FilterReply decide(Marker marker, Logger logger, Level level, String format,
      Object[] params, Throwable t) {
    if (level == null || !level.isGreaterOrEqual(Level.WARN) || format == null
        || REPORTING.get()) {
      return FilterReply.NEUTRAL;
    }
    String key = logger.getName() + '\0' + format + '\0' + Arrays.deepToString(params);
    int dropped;
    synchronized (windows) {
      long now = clock.getAsLong();
      Window w = windows.computeIfAbsent(key, k -> new Window());
      if (w.count == 0 || now - w.start >= windowNanos) {
        w.start = now;
        w.count = 0;
      }
      if (++w.count > ALLOWED) {
        w.suppressed++;
        return FilterReply.DENY;
      }
      dropped = w.suppressed;
      w.suppressed = 0;
    }
    if (dropped > 0) {
      REPORTING.set(true);
      try {
        logger.warn("({} similar lines suppressed)", dropped);
      } finally {
        REPORTING.set(false);
      }
    }
    return FilterReply.NEUTRAL;
  }
}
