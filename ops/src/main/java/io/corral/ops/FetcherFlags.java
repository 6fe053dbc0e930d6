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
  @Option(names = "--fetcher_cache_dir", paramLabel = "PATH",
      description = "Directory of the fetcher cache (one subdirectory per user); the agent clears it"
          + " when it starts, and creates it 0700. Default: <work_dir>/fetch (Mesos: /tmp/mesos/fetch,"
          + " a place any local user could prepare first).")
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

  /** The fetcher these flags describe, its cache directory ({@code <workDir>/fetch} unless set) emptied. */
  UriFetcher start(Path workDir) {
    long size = IsolatorOptions.bytes("fetcher_cache_size", fetcherCacheSize);
    Path cache = fetcherCacheDir != null ? fetcherCacheDir : workDir.resolve("fetch");
    try {
      return UriFetcher.start(new FetcherSettings(cache.toAbsolutePath().normalize(), size, fetcherStallTimeout));
    } catch (RuntimeException e) {
      throw new StartupException(e.getMessage(), e);
    }
  }
}
