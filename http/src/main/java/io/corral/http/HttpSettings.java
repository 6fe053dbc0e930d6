package io.corral.http;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Optional;

/**
 * The agent API's own settings, with their config keys and defaults in this one place. Read
 * once at startup by {@code ops}; immutable.
 *
 * @param maxRequestBytes the largest request body accepted; a larger one gets 413 ({@code
 *     corral.http.max-request-bytes}, default 8 MiB). Mesos has no limit; a launch request is a
 *     few kilobytes.
 * @param askTimeout how long a call other than WAIT_CONTAINER, and the reading of a request body,
 *     may take before the agent answers 503 ({@code corral.http.ask-timeout}, default 60 s, so a
 *     slow launch still succeeds)
 * @param waitTimeout how long WAIT_CONTAINER waits for a termination before answering 503 ({@code
 *     corral.http.wait-timeout}, default 7 days; Mesos waits forever, the actor scheduler cannot)
 * @param idleTimeout how long a connection may carry no bytes before the server closes it;
 *     empty means never, which is the default so that a WAIT_CONTAINER can stay open for the
 *     whole life of a container, as in Mesos ({@code corral.http.idle-timeout}, "infinite" or a
 *     duration)
 */
public record HttpSettings(
    long maxRequestBytes,
    Duration askTimeout,
    Duration waitTimeout,
    Optional<Duration> idleTimeout) {

  public static final String PREFIX = "corral.http.";
  public static final long DEFAULT_MAX_REQUEST_BYTES = 8L * 1024 * 1024;
  public static final Duration DEFAULT_ASK_TIMEOUT = Duration.ofSeconds(60);
  public static final Duration DEFAULT_WAIT_TIMEOUT = Duration.ofDays(7);

  public HttpSettings {
    if (maxRequestBytes <= 0) {
      throw new IllegalArgumentException("max-request-bytes must be positive: " + maxRequestBytes);
    }
    if (askTimeout.isZero() || askTimeout.isNegative()
        || waitTimeout.isZero() || waitTimeout.isNegative()) {
      throw new IllegalArgumentException("timeouts must be positive");
    }
  }

  /** The defaults listed above. */
  public static HttpSettings defaults() {
    return new HttpSettings(
        DEFAULT_MAX_REQUEST_BYTES, DEFAULT_ASK_TIMEOUT, DEFAULT_WAIT_TIMEOUT, Optional.empty());
  }

  /** Reads {@code corral.http.*} from {@code config}; a missing key takes its default. */
  public static HttpSettings fromConfig(Config config) {
    HttpSettings d = defaults();
    long max = config.hasPath(PREFIX + "max-request-bytes")
        ? config.getBytes(PREFIX + "max-request-bytes")
        : d.maxRequestBytes();
    Duration ask = config.hasPath(PREFIX + "ask-timeout")
        ? config.getDuration(PREFIX + "ask-timeout")
        : d.askTimeout();
    Duration wait = config.hasPath(PREFIX + "wait-timeout")
        ? config.getDuration(PREFIX + "wait-timeout")
        : d.waitTimeout();
    Optional<Duration> idle = d.idleTimeout();
    if (config.hasPath(PREFIX + "idle-timeout")) {
      String raw = config.getString(PREFIX + "idle-timeout");
      idle = raw.equals("infinite")
          ? Optional.empty()
          : Optional.of(config.getDuration(PREFIX + "idle-timeout"));
    }
    return new HttpSettings(max, ask, wait, idle);
  }

  public HttpSettings withMaxRequestBytes(long bytes) {
    return new HttpSettings(bytes, askTimeout, waitTimeout, idleTimeout);
  }

  public HttpSettings withAskTimeout(Duration timeout) {
    return new HttpSettings(maxRequestBytes, timeout, waitTimeout, idleTimeout);
  }

  public HttpSettings withWaitTimeout(Duration timeout) {
    return new HttpSettings(maxRequestBytes, askTimeout, timeout, idleTimeout);
  }

  public HttpSettings withIdleTimeout(Optional<Duration> timeout) {
    return new HttpSettings(maxRequestBytes, askTimeout, waitTimeout, timeout);
  }
}
