package io.corral.actors.container;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The bookkeeping of one container's isolator cleanups while it is destroyed: how often each
 * isolator's cleanup has failed, whether to try again and after how long (exponential backoff
 * from {@code corral.actors.cleanup-backoff}, at most {@code corral.actors.cleanup-attempts}
 * attempts), and what to report. A cleanup that timed out is retried like one that failed: the
 * next attempt runs beside the hung call (see {@link IsolatorActor}), and a hang that was
 * transient (a busy kernel) is then cleaned up after all; the bound keeps the stuck threads few.
 *
 * <p>Nothing is dropped: a cleanup that finally failed is reported in the termination message
 * as {@code Failed to clean up with isolator 'x': <cause> (after 3 attempts)}; one that
 * succeeded after failing is reported too ({@code isolator 'x' cleaned up at attempt 2 after:
 * <cause>}). Owned and used by one {@link ContainerActor}, on its thread only.
 */
final class CleanupAttempts {
  private final int maxAttempts;
  private final Duration backoff;
  private final Map<String, List<String>> failures = new HashMap<>();
  private final List<String> failed = new ArrayList<>();
  private final List<String> recovered = new ArrayList<>();

  CleanupAttempts(int maxAttempts, Duration backoff) {
    this.maxAttempts = Math.max(1, maxAttempts);
    this.backoff = backoff;
  }

  /** Records a failed attempt; returns the delay before the next one, or null to give up. */
  Duration failed(String isolator, String message) {
    List<String> previous = failures.computeIfAbsent(isolator, i -> new ArrayList<>());
    previous.add(message);
    int attempts = previous.size();
    if (attempts >= maxAttempts) {
      failed.add(message + (attempts > 1 ? " (after " + attempts + " attempts)" : ""));
      return null;
    }
    return backoff.multipliedBy(1L << Math.min(attempts - 1, 20));
  }

  /** The attempt about to be made for {@code isolator}, counting from 1. */
  int attempt(String isolator) {
    return failures.getOrDefault(isolator, List.of()).size() + 1;
  }

  int maxAttempts() {
    return maxAttempts;
  }

  /** Records a success; it is reported when earlier attempts failed. */
  void succeeded(String isolator) {
    List<String> previous = failures.get(isolator);
    if (previous != null && !previous.isEmpty()) {
      recovered.add("isolator '" + isolator + "' cleaned up at attempt " + (previous.size() + 1)
          + " after: " + String.join("; ", previous));
    }
  }

  /** What the termination message says about cleanups, or null when every one succeeded at once. */
  String report() {
    List<String> parts = new ArrayList<>();
    if (!failed.isEmpty()) {
      parts.add("Failed to clean up an isolator when destroying container: " + String.join("; ", failed));
    }
    if (!recovered.isEmpty()) {
      parts.add("Recovered from failed cleanups: " + String.join("; ", recovered));
    }
    return parts.isEmpty() ? null : String.join("; ", parts);
  }
}
