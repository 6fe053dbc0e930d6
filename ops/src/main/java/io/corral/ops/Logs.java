package io.corral.ops;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import io.corral.http.LoggingControl;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's own logs in Logback: the format of its stderr lines ({@code --log_format}), the
 * filter that rate-limits repeated failures ({@link RepeatedFailureFilter}), and the verbosity
 * that SET_LOGGING_LEVEL and {@code /logging/toggle} raise for a while ({@link Levels}). Called on
 * the main thread at start; {@link Levels} then from HTTP threads and its own timer thread.
 */
final class Logs {
  private static final Logger LOG = LoggerFactory.getLogger(Logs.class);

  private Logs() {}

  /**
   * Sets up the logs of a command: {@code level} on the root logger, JSON lines when
   * {@code --log_format} says so (Logback's own {@link JsonEncoder}, whose objects carry the MDC and so
   * the container id), and the repeated-failure filter.
   */
  static void configure(AgentFlags.LoggingLevel level, LoggingFlags logging) {
    LoggingFlags.Format format = logging.logFormat;
    Systems.applyLoggingLevel(level);
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    if (context.getTurboFilterList().stream().noneMatch(f -> f instanceof RepeatedFailureFilter)) {
      RepeatedFailureFilter filter = new RepeatedFailureFilter(logging.logRepeatWindow);
      filter.setContext(context);
      filter.start();
      context.addTurboFilter(filter);
    }
    if (format == LoggingFlags.Format.json) {
      ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
      for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
        if (it.next() instanceof ConsoleAppender<ILoggingEvent> console) {
          JsonEncoder encoder = new JsonEncoder();
          encoder.setContext(context);
          encoder.setWithFormattedMessage(true); // "formattedMessage": the line as text shows it
          encoder.setWithMessage(false);
          encoder.setWithArguments(false);
          encoder.setWithContext(false);
          encoder.setWithSequenceNumber(false);
          encoder.start();
          console.stop();
          console.setEncoder(encoder);
          console.start();
        }
      }
    }
  }

  /**
   * The verbosity of {@link LoggingControl}: 0 is the level the command started with, 1 adds
   * DEBUG and 2 or more TRACE, for Corral's loggers and the root; after the duration of the
   * latest change the level reverts to 0.
   */
  static final class Levels implements LoggingControl {
    private final Level original;
    private final AtomicLong generation = new AtomicLong();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "corral-logging-revert");
      thread.setDaemon(true);
      return thread;
    });
    private volatile int level;

    Levels(AgentFlags.LoggingLevel original) {
      this.original = Systems.logbackLevel(original);
    }

    @Override
    public int level() {
      return level;
    }

    @Override
    public synchronized void set(int level, Duration duration) {
      long mine = generation.incrementAndGet();
      apply(level);
      if (level != 0) {
        timer.schedule(() -> revert(mine), Math.max(0, duration.toNanos()), TimeUnit.NANOSECONDS);
      }
    }

    @Override
    public Duration parse(String duration) {
      return Durations.parse(duration);
    }

    private synchronized void revert(long expected) {
      if (generation.get() == expected) {
        apply(0);
        LOG.info("Reverted the logging level to 0");
      }
    }

    /** The logger's level first, then the number readers see: whoever reads v finds it applied. */
    private void apply(int v) {
      Level logback = v <= 0 ? original : v == 1 ? Level.DEBUG : Level.TRACE;
      if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
        context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(logback);
      }
      this.level = v;
    }
  }
}
