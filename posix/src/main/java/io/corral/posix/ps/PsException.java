package io.corral.posix.ps;

/** The process table could not be read with {@code ps}; the message is in Mesos' form. */
public final class PsException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public PsException(String message) {
    super(message);
  }

  public PsException(String message, Throwable cause) {
    super(message, cause);
  }
}
