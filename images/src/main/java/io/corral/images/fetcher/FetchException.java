package io.corral.images.fetcher;

import java.io.IOException;

/** A URI that could not be fetched; the message says why, without the URI (the caller names it). */
public class FetchException extends IOException {
  private static final long serialVersionUID = 1L;

  public FetchException(String message) {
    super(message);
  }

  public FetchException(String message, Throwable cause) {
    super(message, cause);
  }
}
