package io.corral.images;

import io.corral.proto.v1.ImageGcConfig;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Automatic image garbage collection, Mesos' {@code --image_gc_config}: every
 * {@code image_disk_watch_interval} the file system of the store is measured, and when its use
 * reaches {@code 1 - image_disk_headroom} the images no container uses are pruned, except
 * {@code excluded_images} (what a PRUNE_IMAGES call with them would do). Runs on a thread of its
 * own; a failed check or prune is logged and tried again at the next interval.
 */
public final class ImageGc implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ImageGc.class);

  private final Provisioner provisioner;
  private final Path store;
  private final ImageGcConfig config;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread thread = new Thread(r, "corral-image-gc");
    thread.setDaemon(true);
    return thread;
  });

  /** @throws IllegalArgumentException for a headroom outside [0, 1] or an interval that is not positive */
  public ImageGc(Provisioner provisioner, Path store, ImageGcConfig config) {
    if (!(config.getImageDiskHeadroom() >= 0 && config.getImageDiskHeadroom() <= 1)) {
      throw new IllegalArgumentException("Invalid image_disk_headroom " + config.getImageDiskHeadroom()
          + " in --image_gc_config: it must be between 0.0 and 1.0");
    }
    if (config.getImageDiskWatchInterval().getNanoseconds() <= 0) {
      throw new IllegalArgumentException("Invalid image_disk_watch_interval in --image_gc_config: it must be positive");
    }
    this.provisioner = provisioner;
    this.store = store;
    this.config = config;
  }

  /** Starts the periodic check; the first one runs after one interval. */
  public ImageGc start() {
    long nanos = config.getImageDiskWatchInterval().getNanoseconds();
    timer.scheduleWithFixedDelay(this::check, nanos, nanos, TimeUnit.NANOSECONDS);
    return this;
  }

  /** One check: prunes when the store's file system is as full as the headroom allows. */
  void check() {
    try {
      FileStore fs = Files.getFileStore(store);
      double used = 1.0 - (double) fs.getUsableSpace() / fs.getTotalSpace();
      if (used >= 1.0 - config.getImageDiskHeadroom()) {
        LOG.info("The image store's file system is {}% full (headroom {}%): pruning unused images",
            Math.round(used * 100), Math.round(config.getImageDiskHeadroom() * 100));
        provisioner.prune(config.getExcludedImagesList());
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("Failed to collect unused images in '{}': {}", store, e.toString());
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
