package io.corral.ops;

import io.corral.posix.launch.LogRotation;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The container logger, as Mesos' {@code --container_logger}: {@code sandbox} (the default,
 * Mesos' sandbox logger: the files grow without bound) or {@code logrotate} (Mesos'
 * {@code org_apache_mesos_LogrotateContainerLogger} is accepted too), whose module parameters
 * become agent flags with their Mesos names. Set by picocli; the main thread.
 */
final class ContainerLoggerFlags {
  static final String MESOS_LOGROTATE = "org_apache_mesos_LogrotateContainerLogger";

  @Option(names = "--container_logger", paramLabel = "NAME", defaultValue = "sandbox",
      description = "Where a container's stdout and stderr go: 'sandbox' (files in the sandbox that"
          + " grow without bound) or 'logrotate' (the same files, rotated by the container's init;"
          + " linux launcher only). Default: ${DEFAULT-VALUE}.")
  String containerLogger;

  @Option(names = "--max_stdout_size", paramLabel = "BYTES", defaultValue = "10MB",
      description = "With --container_logger=logrotate: the largest a stdout file grows before it is"
          + " rotated; at least 4KB. Default: ${DEFAULT-VALUE}.")
  String maxStdoutSize;

  @Option(names = "--logrotate_stdout_options", paramLabel = "OPTIONS",
      description = "With --container_logger=logrotate: 'rotate <count>', how many rotated stdout files"
          + " (stdout.1 the newest) are kept. Default: none (rotate 0: the file is truncated).")
  String logrotateStdoutOptions;

  @Option(names = "--max_stderr_size", paramLabel = "BYTES", defaultValue = "10MB",
      description = "With --container_logger=logrotate: the largest a stderr file grows before it is"
          + " rotated; at least 4KB. Default: ${DEFAULT-VALUE}.")
  String maxStderrSize;

  @Option(names = "--logrotate_stderr_options", paramLabel = "OPTIONS",
      description = "With --container_logger=logrotate: 'rotate <count>' for stderr, as for stdout."
          + " Default: none (rotate 0).")
  String logrotateStderrOptions;

  /** The rotation these flags ask for, or empty for the sandbox logger. */
  Optional<LogRotation> resolve(LauncherFlag.Kind launcher) {
    if (containerLogger.equals("sandbox")) {
      return Optional.empty();
    }
    if (!containerLogger.equals("logrotate") && !containerLogger.equals(MESOS_LOGROTATE)) {
      throw new StartupException("Unknown container logger '" + containerLogger + "': Corral has 'sandbox' and"
          + " 'logrotate'");
    }
    if (launcher == LauncherFlag.Kind.POSIX) {
      throw new StartupException("Flag '--container_logger=logrotate' needs the linux launcher: the rotation is"
          + " done by corral-init");
    }
    try {
      return Optional.of(new LogRotation(
          IsolatorOptions.bytes("max_stdout_size", maxStdoutSize),
          LogRotation.rotateCount("logrotate_stdout_options", logrotateStdoutOptions),
          IsolatorOptions.bytes("max_stderr_size", maxStderrSize),
          LogRotation.rotateCount("logrotate_stderr_options", logrotateStderrOptions)));
    } catch (IllegalArgumentException e) {
      throw new StartupException(e.getMessage(), e);
    }
  }
}
