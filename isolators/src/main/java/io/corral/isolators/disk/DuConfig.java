package io.corral.isolators.disk;

import java.time.Duration;

/**
 * The agent flags of {@code disk/du}, in one place.
 *
 * @param interval {@code --container_disk_watch_interval}: how often each sandbox is measured
 *     (a container close to its quota is measured sooner, see the {@code DiskWatchActor})
 * @param enforce {@code --enforce_container_disk_quota}: destroy a container above its quota
 * @param parallelism {@code --container_disk_watch_parallelism}: how many {@code du} may run at once
 * @param timeout {@code --container_disk_watch_timeout}: a {@code du} still running after this
 *     is killed and the sample counts as failed (the last good one stays)
 * @param command the {@code du} to run: a name looked up on the agent's {@code PATH}, or a path
 */
public record DuConfig(Duration interval, boolean enforce, int parallelism, Duration timeout,
    String command) {

  /** Mesos' default interval, {@code 15secs}. */
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(15);
  /** How long one {@code du} may run by default. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);

  public DuConfig {
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("Failed to configure disk/du:"
          + " --container_disk_watch_interval must be positive");
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("Failed to configure disk/du:"
          + " --container_disk_watch_timeout must be positive");
    }
    if (parallelism < 1) {
      throw new IllegalArgumentException("Failed to configure disk/du:"
          + " --container_disk_watch_parallelism must be at least 1, not " + parallelism);
    }
  }

  /**
   * The default parallelism for this host: half its processors, at least one ({@code du} is
   * mostly I/O, and at idle I/O priority it yields to everything else anyway).
   */
  public static int hostParallelism() {
    return Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
  }

  /** Mesos' defaults (15secs, no enforcement), host parallelism, {@code du} from {@code PATH}. */
  public static DuConfig defaults() {
    return new DuConfig(DEFAULT_INTERVAL, false, hostParallelism(), DEFAULT_TIMEOUT, "du");
  }
}
