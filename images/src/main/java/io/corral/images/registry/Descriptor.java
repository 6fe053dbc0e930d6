package io.corral.images.registry;

/**
 * A content descriptor of a manifest or an index: what a blob or manifest is, its digest and
 * size, and (in an index) the platform it is for ({@code os}, {@code architecture}, {@code variant}
 * are null elsewhere).
 */
public record Descriptor(
    String mediaType, String digest, long size, String os, String architecture, String variant) {

  public Descriptor(String mediaType, String digest, long size) {
    this(mediaType, digest, size, null, null, null);
  }
}
