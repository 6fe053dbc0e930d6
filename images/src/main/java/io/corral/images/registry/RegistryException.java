package io.corral.images.registry;

import java.io.IOException;

/**
 * A registry or archive refused, failed or sent something unverifiable. The message is the
 * cause only; the store puts "Failed to pull image '...': " in front of it.
 */
public class RegistryException extends IOException {
  private static final long serialVersionUID = 1L;

  public RegistryException(String message) {
    super(message);
  }

  public RegistryException(String message, Throwable cause) {
    super(message, cause);
  }
}
