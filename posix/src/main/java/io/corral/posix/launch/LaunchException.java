package io.corral.posix.launch;

import io.corral.posix.Errno;
import java.util.Optional;

/**
 * A launch that did not reach {@code exec}: the step of the helper that failed (for example
 * {@code plan}, {@code clone}, {@code mount}, {@code chdir}, {@code exec}), its errno when a
 * system call failed, and the helper's message. Its message reads
 * {@code exec '/no/such': ENOENT (No such file or directory)}.
 */
public final class LaunchException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String step;
  private final transient Errno errno;

  public LaunchException(String step, Errno errno, String message) {
    super(message);
    this.step = step;
    this.errno = errno;
  }

  /** The init went away before the command was exec'd: it was killed, or lost the agent. */
  public static LaunchException exitedBeforeExec() {
    return new LaunchException("init", null, "corral-init exited before exec");
  }

  public String step() {
    return step;
  }

  public Optional<Errno> errno() {
    return Optional.ofNullable(errno);
  }
}
