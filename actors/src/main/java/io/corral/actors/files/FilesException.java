package io.corral.actors.files;

/**
 * Why a files request failed, as Mesos' {@code FilesError}: its {@link Kind} decides the HTTP
 * status (400, 403, 404, 500), its message is the body.
 */
public final class FilesException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Mesos' {@code FilesError::Type}. */
  public enum Kind { INVALID, UNAUTHORIZED, NOT_FOUND, UNKNOWN }

  private final Kind kind;

  public FilesException(Kind kind, String message) {
    super(message, null, false, false);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
