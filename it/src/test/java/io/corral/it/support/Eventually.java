package io.corral.it.support;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Polls a condition the kernel or the agent makes true asynchronously, with a deadline, parking
 * the calling (test) thread between tries. The tests never sleep a fixed time: they wait for the
 * observable fact, and fail with a message when it does not come in time.
 */
public final class Eventually {
  private static final long PAUSE_NANOS = Duration.ofMillis(20).toNanos();

  private Eventually() {}

  /** Returns true as soon as {@code condition} holds, false when {@code timeout} has passed. */
  public static boolean poll(Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      if (condition.getAsBoolean()) {
        return true;
      }
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      LockSupport.parkNanos(PAUSE_NANOS);
    }
  }

  /** Waits until {@code condition} holds, or fails with {@code what} after {@code timeout}. */
  public static void await(Duration timeout, BooleanSupplier condition, Supplier<String> what) {
    if (!poll(timeout, condition)) {
      throw new AssertionError("Timed out after " + timeout + " waiting for: " + what.get());
    }
  }

  /** {@link #await(Duration, BooleanSupplier, Supplier)} with a fixed description. */
  public static void await(Duration timeout, BooleanSupplier condition, String what) {
    await(timeout, condition, () -> what);
  }
}
