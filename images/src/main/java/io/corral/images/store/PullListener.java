package io.corral.images.store;

import java.time.Duration;

/**
 * Callbacks of one {@link ImageStore#get}, for a progress bar and metrics. They run on the
 * store's executor threads (possibly several at once, one per layer), must be quick and must not
 * throw. A get that joins a pull already under way receives that pull's callbacks from then on.
 */
public interface PullListener {

  /** A listener that ignores everything. */
  PullListener NONE = new PullListener() {};

  /**
   * Bytes of one layer blob received so far; {@code total} is the blob's size, or -1 if unknown.
   * {@code layer} is the blob's digest, or the layer's diff_id for a local archive.
   */
  default void layerProgress(String layer, long bytesDone, long total) {}

  /** The get finished, with or without success. */
  default void finished(PullStats stats) {}

  /**
   * What one get cost: {@code cacheHit} when the image was in the store already (no network),
   * {@code bytesPulled} over the network or out of an archive, and the wall time.
   */
  record PullStats(String reference, boolean cacheHit, boolean succeeded, long bytesPulled, Duration duration) {}
}
