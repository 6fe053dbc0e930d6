package io.corral.images.unpack;

/**
 * How an unpacked layer keeps the deletions of the layer format (OCI image spec, "Whiteouts"):
 * a file {@code .wh.NAME} deletes {@code NAME} of the layers below, and {@code .wh..wh..opq}
 * hides everything below in its directory.
 */
public enum WhiteoutFormat {
  /**
   * The overlayfs form, for the overlay backend (Mesos' {@code convertWhiteouts}):
   * {@code .wh.NAME} becomes a character device 0/0 named {@code NAME}, and {@code .wh..wh..opq}
   * becomes the extended attribute {@code trusted.overlay.opaque=y} on its directory. Needs
   * CAP_MKNOD and CAP_SYS_ADMIN.
   */
  OVERLAY,
  /** The markers stay empty regular files, as in the tar, for the copy backend to apply. */
  COPY;

  /** The prefix of a whiteout's name. */
  public static final String PREFIX = ".wh.";
  /** The name of the opaque-directory marker. */
  public static final String OPAQUE = ".wh..wh..opq";
  /** The prefix of aufs' own bookkeeping names, which are never part of the image. */
  public static final String AUFS_META = ".wh..wh.";
  /** The extended attribute overlayfs reads as "this directory is opaque". */
  public static final String OPAQUE_XATTR = "trusted.overlay.opaque";
}
