package io.corral.images.fetcher;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The fetcher's knobs, named as Mesos' agent flags.
 *
 * @param cacheDir {@code --fetcher_cache_dir}: cached downloads, one directory per user; cleared
 *     when the agent starts
 * @param cacheSize {@code --fetcher_cache_size}: bytes the cache may hold
 * @param stallTimeout {@code --fetcher_stall_timeout}: how long a download may go without a byte
 */
public record FetcherSettings(Path cacheDir, long cacheSize, Duration stallTimeout) {
  /** Mesos' default {@code --fetcher_cache_size}: 2GB. */
  public static final long DEFAULT_CACHE_SIZE = 2L << 30;
  /** Mesos' default {@code --fetcher_stall_timeout}: 1mins. */
  public static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofMinutes(1);

  public FetcherSettings {
    if (cacheSize < 0) {
      throw new IllegalArgumentException("The fetcher cache size must not be negative, not " + cacheSize);
    }
    if (stallTimeout == null || stallTimeout.isNegative() || stallTimeout.isZero()) {
      throw new IllegalArgumentException("The fetcher stall timeout must be positive, not " + stallTimeout);
    }
  }
}
