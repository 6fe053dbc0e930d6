package io.corral.images.registry;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The read timeout of a streamed body: {@link java.net.http.HttpClient}'s own timeout ends when
 * the headers arrive, so a body that stops flowing would block its reader for ever. A watch
 * closes the body (which makes a blocked {@code read} throw; an interrupt does not) once no
 * {@link #progress} was seen for {@code limit}. The timer is one daemon thread for the JVM.
 */
public final class StallWatch implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StallWatch.class);
  private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "registry-stall-watch");
    t.setDaemon(true);
    return t;
  });

  private final Closeable body;
  private final long limitNanos;
  private final ScheduledFuture<?> task;
  private volatile long last = System.nanoTime();
  private volatile boolean fired;

  public StallWatch(Closeable body, Duration limit) {
    this.body = body;
    this.limitNanos = limit.toNanos();
    long period = Math.max(limitNanos / 4, TimeUnit.MILLISECONDS.toNanos(10));
    this.task = TIMER.scheduleAtFixedRate(this::check, period, period, TimeUnit.NANOSECONDS);
  }

  private void check() {
    if (!fired && System.nanoTime() - last > limitNanos) {
      fired = true;
      try {
        body.close();
      } catch (IOException | RuntimeException e) {
        LOG.debug("Closing a stalled body failed: {}", e.toString());
      }
    }
  }

  public void progress() {
    last = System.nanoTime();
  }

  /** Whether the watch closed the body. */
  public boolean fired() {
    return fired;
  }

  @Override
  public void close() {
    task.cancel(false);
  }
}
