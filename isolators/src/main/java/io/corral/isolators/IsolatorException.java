package io.corral.isolators;

/**
 * An isolator's expected refusal, such as a request it cannot honour; the message follows the
 * Mesos rule {@code Failed to <verb>: <cause>} with paths and ids in single quotes.
 */
public final class IsolatorException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public IsolatorException(String message) {
    super(message);
  }

  public IsolatorException(String message, Throwable cause) {
    super(message, cause);
  }
}
