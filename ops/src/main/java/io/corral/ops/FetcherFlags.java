package io.corral.ops;

import io.corral.images.fetcher.FetcherSettings;
import io.corral.images.fetcher.UriFetcher;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * The fetcher's flags, with Mesos' names and defaults: where the cache lives and how large it may
 * grow, and how long a download may stall. Set by picocli; the main thread.
 */
final class FetcherFlags {
  @Option(names = "--fetcher_cache_dir", paramLabel = "PATH", defaultValue = "/tmp/corral/fetch",
      description = "Directory of the fetcher cache (one subdirectory per user); the agent clears it"
          + " when it starts, and creates it 0700. Default: ${DEFAULT-VALUE}.")
  Path fetcherCacheDir;

  @Option(names = "--fetcher_cache_size", paramLabel = "BYTES", defaultValue = "2GB",
      description = "Size of the fetcher cache, e.g. 512MB; least recently used entries are evicted"
          + " to make room. Default: ${DEFAULT-VALUE}.")
  String fetcherCacheSize;

  @Option(names = "--fetcher_stall_timeout", paramLabel = "DURATION", defaultValue = "1mins",
      converter = AgentFlags.PositiveDurationConverter.class,
      description = "How long a download may go without receiving a byte before it fails."
          + " Default: ${DEFAULT-VALUE}.")
  Duration fetcherStallTimeout;

  /** The fetcher these flags describe, its cache directory emptied. */
  UriFetcher start() {
    long size = IsolatorOptions.bytes("fetcher_cache_size", fetcherCacheSize);
    try {
      return UriFetcher.start(new FetcherSettings(fetcherCacheDir.toAbsolutePath().normalize(), size,
          fetcherStallTimeout));
    } catch (RuntimeException e) {
      throw new StartupException(e.getMessage(), e);
    }
  }
}
