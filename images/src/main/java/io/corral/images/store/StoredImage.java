package io.corral.images.store;

import io.corral.proto.v1.ImageConfig;
import java.nio.file.Path;
import java.util.List;

/**
 * An image whose every layer is verified and unpacked in the store: its normalized reference, its
 * manifest's digest, its config, and its layers' unpacked directories, bottom layer first.
 */
public record StoredImage(String reference, String manifestDigest, ImageConfig config, List<Path> layers) {
  public StoredImage {
    layers = List.copyOf(layers);
  }
}
