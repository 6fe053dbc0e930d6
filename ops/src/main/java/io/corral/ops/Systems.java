package io.corral.ops;

import ch.qos.logback.classic.Level;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logging and the {@code ActorSystem} of the {@code corral} command: applies
 * {@code --logging_level} to Logback and Pekko, and starts and stops the one system whose
 * guardian is the containerizer. Called from the main thread and the shutdown hook.
 */
final class Systems {
  private static final Logger LOG = LoggerFactory.getLogger(Systems.class);

  private Systems() {}

  /** Sets the root Logback level for a Mesos {@code --logging_level}. */
  static void applyLoggingLevel(AgentFlags.LoggingLevel level) {
    if (LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME) instanceof ch.qos.logback.classic.Logger root) {
      root.setLevel(logbackLevel(level));
    }
  }

  static Level logbackLevel(AgentFlags.LoggingLevel level) {
    return switch (level) {
      case INFO -> Level.INFO;
      case WARNING -> Level.WARN;
      case ERROR -> Level.ERROR;
    };
  }

  /** Starts the system named {@code corral} with {@code guardian}, logging at {@code level}. */
  static <T> ActorSystem<T> start(Behavior<T> guardian, AgentFlags.LoggingLevel level) {
    String pekkoLevel = level == AgentFlags.LoggingLevel.WARNING ? "WARNING" : level.name();
    Config config = ConfigFactory.parseMap(Map.of("pekko.loglevel", pekkoLevel))
        .withFallback(ConfigFactory.load());
    return ActorSystem.create(guardian, "corral", config);
  }

  /** Terminates the system and waits for it, at most {@code timeout}; true if it terminated. */
  static boolean stop(ActorSystem<?> system, Duration timeout) {
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (Exception e) {
      LOG.warn("Failed to terminate the actor system within {}: {}", Durations.format(timeout), e.toString());
      return false;
    }
  }
}
