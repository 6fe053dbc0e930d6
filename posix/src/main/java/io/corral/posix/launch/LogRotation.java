package io.corral.posix.launch;

import io.corral.posix.ByteSizes;
import io.corral.proto.v1.Environment;
import io.corral.proto.v1.LaunchPlan;
import java.util.Locale;

/**
 * Bounded container logs, as Mesos' logrotate container logger: the command's stdout and stderr
 * go through pipes that the container's init ({@code corral-init}, pid 1) drains into the
 * sandbox's {@code stdout} and {@code stderr}, each rotated before it would exceed its max size,
 * keeping {@code rotate} rotated files ({@code stdout.1} the newest; 0 truncates instead). The
 * init drains the pipes whatever the agent does, so the command never blocks on a slow or
 * stopped agent. A container may override the agent's values through its command's environment
 * ({@link #overriddenBy}). Immutable; any thread.
 *
 * @param maxStdoutSize {@code --max_stdout_size}, bytes, at least a page
 * @param stdoutRotate the {@code rotate <n>} of {@code --logrotate_stdout_options}
 * @param maxStderrSize {@code --max_stderr_size}, bytes, at least a page
 * @param stderrRotate the {@code rotate <n>} of {@code --logrotate_stderr_options}
 */
public record LogRotation(long maxStdoutSize, int stdoutRotate, long maxStderrSize, int stderrRotate) {
  /** Mesos' default max size of one log file: 10MB. */
  public static final long DEFAULT_MAX_SIZE = 10L << 20;
  /** The smallest max size Mesos accepts: one memory page. */
  public static final long MIN_SIZE = 4096;
  /** The most rotated files corral-init keeps. */
  public static final int MAX_ROTATE = 1000;
  /**
   * The prefix of the variables in a command's environment that override the agent's values for
   * that container (Mesos' {@code environment_variable_prefix}, whose default Corral keeps).
   */
  public static final String PREFIX = "CONTAINER_LOGGER_";

  public LogRotation {
    if (maxStdoutSize < MIN_SIZE || maxStderrSize < MIN_SIZE) {
      throw new IllegalArgumentException("Expected --max_stdout_size and --max_stderr_size of at least "
          + MIN_SIZE + " bytes");
    }
    if (stdoutRotate < 0 || stderrRotate < 0 || stdoutRotate > MAX_ROTATE || stderrRotate > MAX_ROTATE) {
      throw new IllegalArgumentException("Expected a rotate count from 0 to " + MAX_ROTATE);
    }
  }

  /**
   * {@code plan} with its stdout and stderr rotated into the files of {@code stdio}; unchanged
   * when {@code stdio} does not name both files (the agent's own streams, as {@code corral run}).
   */
  public LaunchPlan apply(LaunchPlan plan, Stdio stdio) {
    if (stdio.stdout() == null || stdio.stderr() == null) {
      return plan;
    }
    return plan.toBuilder()
        .setStdoutPath(stdio.stdout().toAbsolutePath().toString())
        .setStderrPath(stdio.stderr().toAbsolutePath().toString())
        .setMaxStdoutSize(maxStdoutSize).setStdoutRotate(stdoutRotate)
        .setMaxStderrSize(maxStderrSize).setStderrRotate(stderrRotate)
        .build();
  }

  /**
   * This rotation with a container's overrides, as Mesos' logrotate logger reads them: each
   * variable of the command's {@code environment} named {@link #PREFIX} followed by a setting
   * ({@code MAX_STDOUT_SIZE}, {@code LOGROTATE_STDOUT_OPTIONS}, {@code MAX_STDERR_SIZE}, {@code
   * LOGROTATE_STDERR_OPTIONS}; any case after the prefix) replaces the agent's value of that
   * setting for this container; the last one wins. The variables stay in the command's
   * environment.
   *
   * @throws IllegalArgumentException naming the variable, for any other name after the prefix or
   *     a value its agent flag would refuse
   */
  public LogRotation overriddenBy(Environment environment) {
    long outSize = maxStdoutSize;
    long errSize = maxStderrSize;
    int outRotate = stdoutRotate;
    int errRotate = stderrRotate;
    for (Environment.Variable variable : environment.getVariablesList()) {
      String name = variable.getName();
      if (!name.startsWith(PREFIX)) {
        continue;
      }
      String value = variable.getValue();
      String setting = name.substring(PREFIX.length()).toLowerCase(Locale.ROOT);
      String what = "'" + name + "'";
      try {
        switch (setting) {
          case "max_stdout_size" -> outSize = size(what, value);
          case "logrotate_stdout_options" -> outRotate = rotate(what, value);
          case "max_stderr_size" -> errSize = size(what, value);
          case "logrotate_stderr_options" -> errRotate = rotate(what, value);
          default -> throw new IllegalArgumentException("Failed to load unknown setting '" + setting + "' from "
              + what + ": Corral knows " + PREFIX + "MAX_STDOUT_SIZE, LOGROTATE_STDOUT_OPTIONS, MAX_STDERR_SIZE"
              + " and LOGROTATE_STDERR_OPTIONS");
        }
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("Failed to load container logger settings: " + e.getMessage(), e);
      }
    }
    return new LogRotation(outSize, outRotate, errSize, errRotate);
  }

  private static long size(String what, String value) {
    long size;
    try {
      size = ByteSizes.parse(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Failed to parse " + what + ": " + e.getMessage(), e);
    }
    if (size < MIN_SIZE) {
      throw new IllegalArgumentException("Failed to parse " + what + ": '" + value + "' is below the minimum of "
          + MIN_SIZE + " bytes");
    }
    return size;
  }

  /**
   * The rotate count of a Mesos {@code logrotate_*_options} value: Corral understands the one
   * directive {@code rotate <count>} (logrotate's default, without it, is 0).
   *
   * @throws IllegalArgumentException naming the flag for anything else
   */
  public static int rotateCount(String flag, String options) {
    return rotate("--" + flag, options);
  }

  private static int rotate(String what, String options) {
    if (options == null || options.isBlank()) {
      return 0;
    }
    String[] words = options.trim().split("\\s+");
    if (words.length == 2 && words[0].equals("rotate") && words[1].matches("\\d{1,4}")) {
      int count = Integer.parseInt(words[1]);
      if (count > MAX_ROTATE) {
        throw new IllegalArgumentException("Failed to parse " + what + ": '" + options + "': Corral keeps at most "
            + MAX_ROTATE + " rotated files");
      }
      return count;
    }
    throw new IllegalArgumentException("Failed to parse " + what + ": '" + options
        + "': Corral understands only the logrotate directive 'rotate <count>'");
  }
}
