package io.corral.it.vm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Guest runs started ahead of the tests that await them, so that several guests boot and run
 * side by side ({@link GuestKernelIT} starts its three in {@code @BeforeAll}); a test then
 * {@link #take}s its run and awaits it. Runs nobody took are stopped with {@link #stopAll}, so a
 * skipped or failed class leaves no guest behind.
 */
final class EarlyGuests {
  /** The runs started and not taken yet, by {@link GuestRun.Spec#name}. */
  private static final Map<String, GuestRun> STARTED = new ConcurrentHashMap<>();

  private EarlyGuests() {}

  /** Starts these runs now (one already started is left as it is). */
  static void start(GuestRun.Spec... specs) {
    for (GuestRun.Spec spec : specs) {
      STARTED.computeIfAbsent(spec.name(), n -> boot(spec));
    }
  }

  /** The run of {@code spec}: the one started ahead, or one started now. */
  static GuestRun take(GuestRun.Spec spec) {
    GuestRun early = STARTED.remove(spec.name());
    return early != null ? early : boot(spec);
  }

  /** Stops every run not taken. */
  static void stopAll() {
    STARTED.values().forEach(GuestRun::stop);
    STARTED.clear();
  }

  private static GuestRun boot(GuestRun.Spec spec) {
    try {
      return GuestRun.start(spec);
    } catch (IOException e) {
      throw new UncheckedIOException("Failed to start the test guest '" + spec.name() + "'", e);
    }
  }
}
