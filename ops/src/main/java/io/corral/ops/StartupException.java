package io.corral.ops;

/**
 * A reason the {@code corral} command cannot start or go on (a bad flag, an unwritable
 * directory, a port in use). {@link Main} prints its message to stderr, without a stack trace,
 * and exits with status 1.
 */
public final class StartupException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StartupException(String message) {
    super(message);
  }

  public StartupException(String message, Throwable cause) {
    super(message, cause);
  }
}
