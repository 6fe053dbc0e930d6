package io.corral.ops;

import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * The flags of the agent's own logs beside {@code --logging_level}: their format on stderr,
 * the log file an external tool writes from it (Mesos' {@code --external_log_file}), which the
 * files API serves as {@code /slave/log}, and the window of the repeated-failure rate limit. Filled by picocli on the main thread, then read-only.
 */
final class LoggingFlags {
  /** The formats of {@code --log_format}. */
  enum Format { text, json }

  @Option(names = "--log_format", paramLabel = "FORMAT", defaultValue = "text",
      description = "Format of the agent's log lines on stderr: text, or json (one object a line,"
          + " with the container id in 'mdc'). Default: ${DEFAULT-VALUE}.")
  Format logFormat;

  @Option(names = "--external_log_file", paramLabel = "PATH",
      description = "The agent's log file, written by whoever collects its stderr (systemd,"
          + " a shell redirect); served read-only by the files API as /slave/log. Default: none.")
  Path externalLogFile;

  @Option(names = "--log_repeat_window", paramLabel = "DURATION", defaultValue = "1mins",
      converter = AgentFlags.PositiveDurationConverter.class,
      description = "The window of the agent's log rate limit: a WARN or ERROR line repeated"
          + " word for word is logged at most 5 times per window, then summarized."
          + " Default: ${DEFAULT-VALUE}.")
  Duration logRepeatWindow;
}
