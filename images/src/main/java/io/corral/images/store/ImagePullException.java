package io.corral.images.store;

/**
 * A pull that failed, with Mesos' message form "Failed to pull image 'ref': cause". The store
 * leaves nothing of it behind but temporary files that {@link ImageStore#recover} removes.
 */
public final class ImagePullException extends Exception {
  private static final long serialVersionUID = 1L;
  private final String reference;

  public ImagePullException(String reference, String cause, Throwable throwable) {
    super("Failed to pull image '" + reference + "': " + cause, throwable);
    this.reference = reference;
  }

  /** The normalized reference whose pull failed. */
  public String reference() {
    return reference;
  }
}
