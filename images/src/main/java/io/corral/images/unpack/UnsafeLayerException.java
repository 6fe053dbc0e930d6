package io.corral.images.unpack;

import java.io.IOException;

/**
 * A layer that would write outside its directory: a {@code ..} component, an entry under a
 * symbolic link, a hard link to anything but an earlier file of the same layer.
 */
public final class UnsafeLayerException extends IOException {
  private static final long serialVersionUID = 1L;

  public UnsafeLayerException(String message) {
    super(message);
  }

  public UnsafeLayerException(String message, Throwable cause) {
    super(message, cause);
  }
}
