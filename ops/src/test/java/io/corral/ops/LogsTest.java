package io.corral.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The repeated-failure filter on a context of its own with a manual clock, and the logging
 * levels of {@link Logs.Levels} on the real root logger.
 */
class LogsTest {
  private final AtomicLong now = new AtomicLong();
  private final LoggerContext context = new LoggerContext();
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private final Logger log = context.getLogger("test");

  LogsTest() {
    RepeatedFailureFilter filter = new RepeatedFailureFilter(java.time.Duration.ofMinutes(1), now::get);
    filter.setContext(context);
    filter.start();
    context.addTurboFilter(filter);
    appender.setContext(context);
    appender.start();
    context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(appender);
  }

  private List<String> lines() {
    return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
  }

  @Test
  void aRepeatedFailureIsLoggedFiveTimesAMinuteThenCounted() {
    for (int i = 0; i < 8; i++) {
      log.warn("Failed to reach '{}'", "x");
    }
    log.warn("Failed to reach '{}'", "y");
    assertEquals(6, lines().size(), lines().toString());
    now.addAndGet(java.time.Duration.ofMinutes(1).toNanos());
    log.warn("Failed to reach '{}'", "x");
    assertEquals(List.of("(3 similar lines suppressed)", "Failed to reach 'x'"),
        lines().subList(6, 8));
  }

  @Test
  void infoLinesAreNeverDropped() {
    for (int i = 0; i < 20; i++) {
      log.info("Transitioning container [{}] from {} to {}", "a", "RUNNING", "DESTROYING");
    }
    assertEquals(20, lines().size());
  }

  @Test
  void aRaisedLevelRevertsAfterItsDuration() {
    Logger root = (Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    Level before = root.getLevel();
    Logs.Levels levels = new Logs.Levels(AgentFlags.LoggingLevel.INFO);
    try {
      levels.set(1, Duration.ofHours(1));
      assertEquals(1, levels.level());
      assertEquals(Level.DEBUG, root.getLevel());
      levels.set(2, Duration.ZERO);
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (levels.level() != 0 && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertEquals(0, levels.level());
      assertEquals(Level.INFO, root.getLevel());
      assertTrue(levels.settable());
    } finally {
      root.setLevel(before);
    }
  }
}
