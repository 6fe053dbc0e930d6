package io.corral.posix.launch;

import io.corral.proto.v1.LaunchPlan;

/**
 * Bounded container logs, as Mesos' logrotate container logger: the command's stdout and stderr
 * go through pipes that the container's init ({@code corral-init}, pid 1) drains into the
 * sandbox's {@code stdout} and {@code stderr}, each rotated before it would exceed its max size,
 * keeping {@code rotate} rotated files ({@code stdout.1} the newest; 0 truncates instead). The
 * init drains the pipes whatever the agent does, so the command never blocks on a slow or
 * stopped agent. Immutable; any thread.
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
   * The rotate count of a Mesos {@code logrotate_*_options} value: Corral understands the one
   * directive {@code rotate <count>} (logrotate's default, without it, is 0).
   *
   * @throws IllegalArgumentException naming the flag for anything else
   */
  public static int rotateCount(String flag, String options) {
    if (options == null || options.isBlank()) {
      return 0;
    }
    String[] words = options.trim().split("\\s+");
    if (words.length == 2 && words[0].equals("rotate") && words[1].matches("\\d{1,4}")) {
      return Integer.parseInt(words[1]);
    }
    throw new IllegalArgumentException("Failed to parse --" + flag + ": '" + options
        + "': Corral understands only the logrotate directive 'rotate <count>'");
  }
}
