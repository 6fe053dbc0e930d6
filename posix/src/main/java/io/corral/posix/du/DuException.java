package io.corral.posix.du;

/**
 * A {@link Du} run that gave no usage: why ({@link Kind}) and a message in Mesos' form
 * ({@code Failed to measure disk usage of '/path': ...}).
 */
public final class DuException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why a run gave no usage. */
  public enum Kind {
    /** It could not start, exited non-zero or printed something that is not a usage. */
    FAILED,
    /** It did not finish within its timeout and was killed. */
    TIMED_OUT,
    /** {@link Du.Run#kill} was called: nobody wants the result any more. */
    KILLED
  }

  private final Kind kind;

  public DuException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public DuException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
