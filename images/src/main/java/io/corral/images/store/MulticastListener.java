package io.corral.images.store;

import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listeners of every get that shares one pull, each once (a listener shared by several gets,
 * such as the agent's metrics, hears of the pull once); a listener that throws is logged and
 * skipped.
 */
final class MulticastListener implements PullListener {
  private static final Logger LOG = LoggerFactory.getLogger(MulticastListener.class);
  private final CopyOnWriteArrayList<PullListener> listeners = new CopyOnWriteArrayList<>();

  void add(PullListener listener) {
    listeners.addIfAbsent(listener);
  }

  @Override
  public void layerProgress(String layer, long bytesDone, long total) {
    for (PullListener l : listeners) {
      try {
        l.layerProgress(layer, bytesDone, total);
      } catch (RuntimeException e) {
        LOG.warn("Ignoring a failing pull listener: {}", e.toString());
      }
    }
  }

  @Override
  public void finished(PullStats stats) {
    for (PullListener l : listeners) {
      try {
        l.finished(stats);
      } catch (RuntimeException e) {
        LOG.warn("Ignoring a failing pull listener: {}", e.toString());
      }
    }
  }
}
