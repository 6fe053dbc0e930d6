package io.corral.images;

import io.corral.images.store.PullListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * What the agent's {@code /metrics} says of image pulls: the bytes pulled, the time of each pull
 * by result, and the launches served from the store without a pull. Any thread.
 */
public final class PullMetrics implements PullListener {
  /** Bytes received from registries and archives. */
  public static final String BYTES = "corral.images.pull.bytes";
  /** One sample per pull, tagged {@code result=succeeded|failed}. */
  public static final String PULLS = "corral.images.pull";
  /** Gets answered from the store without a pull. */
  public static final String CACHE_HITS = "corral.images.cache.hits";

  private final Counter bytes;
  private final Timer succeeded;
  private final Timer failed;
  private final Counter hits;

  public PullMetrics(MeterRegistry registry) {
    bytes = Counter.builder(BYTES).baseUnit("bytes").description("Bytes of image layers pulled").register(registry);
    succeeded = Timer.builder(PULLS).tag("result", "succeeded").description("Image pulls").register(registry);
    failed = Timer.builder(PULLS).tag("result", "failed").description("Image pulls").register(registry);
    hits = Counter.builder(CACHE_HITS).description("Images served from the store without a pull").register(registry);
  }

  @Override
  public void finished(PullStats stats) {
    if (stats.cacheHit()) {
      hits.increment();
      return;
    }
    bytes.increment(stats.bytesPulled());
    (stats.succeeded() ? succeeded : failed).record(stats.duration());
  }
}
