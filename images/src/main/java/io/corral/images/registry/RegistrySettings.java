package io.corral.images.registry;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How the registry client talks: at most {@code maxAttempts} tries of each request (connection
 * failures, timeouts, 429 and 5xx are retried after {@code initialBackoff}, doubled each time up
 * to {@code maxBackoff}), {@code connectTimeout} to connect and {@code timeout} for each response
 * to start and for each pause in a blob's body; {@code dockerConfig} is {@code --docker_config} (a Docker {@code config.json}, or
 * null); {@code os}/{@code architecture} pick a manifest from an index.
 */
public record RegistrySettings(
    int maxAttempts,
    Duration connectTimeout,
    Duration timeout,
    Duration initialBackoff,
    Duration maxBackoff,
    Path dockerConfig,
    String os,
    String architecture) {

  public RegistrySettings {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1");
    }
    Objects.requireNonNull(connectTimeout);
    Objects.requireNonNull(timeout);
    Objects.requireNonNull(initialBackoff);
    Objects.requireNonNull(maxBackoff);
    Objects.requireNonNull(os);
    Objects.requireNonNull(architecture);
  }

  /** 4 attempts, 10 s to connect, 60 s per response, 0.5 s backoff up to 8 s, this host's platform. */
  public static RegistrySettings defaults() {
    return new RegistrySettings(4, Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofMillis(500),
        Duration.ofSeconds(8), null, "linux", hostArchitecture());
  }

  public RegistrySettings withDockerConfig(Path config) {
    return new RegistrySettings(maxAttempts, connectTimeout, timeout, initialBackoff, maxBackoff, config, os,
        architecture);
  }

  public RegistrySettings withRetries(int attempts, Duration backoff) {
    return new RegistrySettings(attempts, connectTimeout, timeout, backoff, maxBackoff, dockerConfig, os,
        architecture);
  }

  /** These settings with {@code attempts} tries per request and {@code readTimeout} per response and pause. */
  public RegistrySettings withLimits(int attempts, Duration readTimeout) {
    return new RegistrySettings(attempts, connectTimeout, readTimeout, initialBackoff, maxBackoff, dockerConfig, os,
        architecture);
  }

  public RegistrySettings withPlatform(String newOs, String newArchitecture) {
    return new RegistrySettings(maxAttempts, connectTimeout, timeout, initialBackoff, maxBackoff, dockerConfig,
        newOs, newArchitecture);
  }

  /** The Go name of this JVM's architecture ({@code amd64}, {@code arm64}, ...). */
  public static String hostArchitecture() {
    String arch = System.getProperty("os.arch", "amd64");
    switch (arch) {
      case "x86_64":
      case "amd64":
        return "amd64";
      case "aarch64":
        return "arm64";
      case "x86":
      case "i386":
        return "386";
      default:
        return arch;
    }
  }
}
