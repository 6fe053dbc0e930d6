package io.corral.ops;

import io.corral.images.store.PullListener;
import io.corral.images.store.StoredImage;
import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import me.tongfei.progressbar.InteractiveConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * What {@code corral pull} and {@code corral run --image} show of a pull. On a terminal: one
 * progress bar per layer (the progressbar library's interactive consumer, which keeps several
 * bars on their own lines and redraws them in place). Otherwise plain lines, fit for a log: one
 * per layer when its blob is complete, and the summary of {@link #summary}.
 *
 * <p>The store calls {@link #layerProgress} and {@link #finished} on its executor threads,
 * possibly for several layers at once: the methods are synchronized.
 */
abstract class PullProgress implements PullListener {
  final PrintStream out;
  private volatile PullStats stats;

  PullProgress(PrintStream out) {
    this.out = out;
  }

  /** Bars when {@code terminal}, plain lines otherwise. */
  static PullProgress to(PrintStream out, boolean terminal) {
    return terminal ? new Bars(out) : new Lines(out);
  }

  /** Bars when file descriptor {@code fd} (1 or 2, {@code out}'s) is a terminal. */
  static PullProgress to(PrintStream out, int fd) {
    return to(out, Terminals.isTerminal(fd));
  }

  @Override
  public synchronized void finished(PullStats finishedStats) {
    this.stats = finishedStats;
    done();
  }

  /** Ends what is still shown of the layers once the pull is over. */
  abstract void done();

  /**
   * The line of a finished get: "Pulled 'ref' (sha256:...): N bytes in T", or "Image 'ref'
   * (sha256:...) is cached" when nothing came over the network.
   */
  String summary(StoredImage image) {
    PullStats s = stats;
    if (s == null || s.cacheHit()) {
      return "Image '" + image.reference() + "' (" + image.manifestDigest() + ") is cached";
    }
    return "Pulled '" + image.reference() + "' (" + image.manifestDigest() + "): " + s.bytesPulled()
        + " bytes in " + Durations.format(roundToMillis(s.duration()));
  }

  private static Duration roundToMillis(Duration duration) {
    return Duration.ofMillis(Math.max(1, duration.toMillis()));
  }

  /** The short name of a layer: its digest's first 12 hex digits, as docker shows them. */
  static String shortName(String layer) {
    String hex = layer.substring(layer.indexOf(':') + 1);
    return hex.length() > 12 ? hex.substring(0, 12) : hex;
  }

  /** Plain lines: "Pulled layer <short> (N bytes)" once each layer's blob is complete. */
  static final class Lines extends PullProgress {
    private final Map<String, Long> pending = new LinkedHashMap<>();
    private final Set<String> printed = new LinkedHashSet<>();

    Lines(PrintStream out) {
      super(out);
    }

    @Override
    public synchronized void layerProgress(String layer, long bytesDone, long total) {
      if (printed.contains(layer)) {
        return;
      }
      if (total >= 0 && bytesDone >= total) {
        printed.add(layer);
        pending.remove(layer);
        line(layer, bytesDone);
      } else {
        pending.put(layer, bytesDone);
      }
    }

    @Override
    void done() {
      // A layer of unknown size is complete when the pull is.
      pending.forEach(this::line);
      printed.addAll(pending.keySet());
      pending.clear();
      out.flush();
    }

    private void line(String layer, long bytes) {
      out.println("Pulled layer " + shortName(layer) + " (" + bytes + " bytes)");
    }
  }

  /** Bytes for a layer under 10 KiB (or of unknown size), KiB under 10 MiB, else MiB. */
  static long unitSize(long total) {
    return total < 0 || total < 10 << 10 ? 1 : total < 10 << 20 ? 1 << 10 : 1 << 20;
  }

  static String unitName(long total) {
    long size = unitSize(total);
    return size == 1 ? " B" : size == 1 << 10 ? " KiB" : " MiB";
  }

  /** One progress bar per layer, redrawn in place. */
  static final class Bars extends PullProgress {
    /** Bars of one process draw one at a time: each moves the cursor to its own line. */
    private static final Object DRAWING = new Object();
    private final Map<String, ProgressBar> bars = new LinkedHashMap<>();

    Bars(PrintStream out) {
      super(out);
    }

    @Override
    public synchronized void layerProgress(String layer, long bytesDone, long total) {
      ProgressBar bar = bars.computeIfAbsent(layer, l -> new ProgressBarBuilder()
          .setTaskName(shortName(l))
          .setInitialMax(total)
          .setStyle(ProgressBarStyle.ASCII)
          .setUnit(unitName(total), unitSize(total))
          .setUpdateIntervalMillis(100)
          .showSpeed()
          .setConsumer(new Consumer(out))
          .build());
      if (total >= 0 && bar.getMax() != total) {
        bar.maxHint(total);
      }
      bar.stepTo(bytesDone);
    }

    @Override
    void done() {
      bars.values().forEach(ProgressBar::close);
      bars.clear();
      out.flush();
    }

    /** The library's interactive consumer, drawing under {@link #DRAWING}. */
    private static final class Consumer extends InteractiveConsoleProgressBarConsumer {
      Consumer(PrintStream out) {
        super(out);
      }

      @Override
      public void accept(String rendered) {
        synchronized (DRAWING) {
          super.accept(rendered);
        }
      }
    }
  }
}
