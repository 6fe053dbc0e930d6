package io.corral.images.fetcher;

import java.io.Closeable;
import java.io.IOException;

/**
 * Stops a fetch in flight (a container destroyed while FETCHING, as Mesos kills its fetcher):
 * the stream being read is closed, which makes a blocked read throw, and every later step sees
 * {@link #cancelled}. Thread-safe: cancelled from the container's actor, read by the fetching
 * thread.
 */
public final class FetchCancel {
  private volatile boolean cancelled;
  private volatile Closeable current;

  /** Cancels the fetch; idempotent. */
  public void cancel() {
    cancelled = true;
    closeQuietly(current);
  }

  public boolean cancelled() {
    return cancelled;
  }

  /** Throws when cancelled. */
  void check() throws FetchException {
    if (cancelled) {
      throw new FetchException("the fetch was cancelled");
    }
  }

  /** Makes {@code stream} the one a cancel closes. */
  void reading(Closeable stream) throws FetchException {
    current = stream;
    if (cancelled) {
      closeQuietly(stream);
      check();
    }
  }

  private static void closeQuietly(Closeable c) {
    if (c != null) {
      try {
        c.close();
      } catch (IOException | RuntimeException e) {
        // the reader sees the closed stream; nothing else to do
      }
    }
  }
}
