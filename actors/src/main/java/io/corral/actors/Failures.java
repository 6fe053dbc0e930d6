package io.corral.actors;

import java.io.IOException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The one describer of a {@link Throwable} caught at the edge of an actor (a blocking call that
 * failed): the cause's message, or its class name when it has none; an I/O error is named by its
 * class too ({@code NoSuchFileException: /x}), since its message is often only a path. Pure,
 * any thread.
 */
public final class Failures {
  private Failures() {}

  /** {@code error} without the wrappers a future adds. */
  static Throwable unwrap(Throwable error) {
    Throwable cause = error;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  /** What went wrong, in one line: the text that goes into a {@link ContainerError}. */
  public static String describe(Throwable error) {
    Throwable cause = unwrap(error);
    String message = cause.getMessage();
    if (cause instanceof IOException) {
      return cause.getClass().getSimpleName() + ": " + message;
    }
    return message == null || message.isEmpty() ? cause.getClass().getName() : message;
  }
}
