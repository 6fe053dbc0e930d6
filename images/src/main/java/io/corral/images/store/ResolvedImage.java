package io.corral.images.store;

import io.corral.images.registry.Descriptor;
import java.util.List;

/**
 * What an {@link ImageSource} found for a reference: the image's identity (the manifest's
 * digest, or the config's for an archive), its config JSON (verified), and its layer blobs,
 * bottom first. A layer's digest is null when the source cannot name it before reading it (an
 * archive); such a layer is verified by its diff_id alone. {@code locations} says where each
 * layer is inside the source, for a source that needs it (an archive's entry names), or is empty.
 */
public record ResolvedImage(String digest, byte[] config, List<Descriptor> layers, List<String> locations) {
  public ResolvedImage {
    layers = List.copyOf(layers);
    locations = List.copyOf(locations);
  }

  /** An image whose layers the source finds by their descriptors alone. */
  public ResolvedImage(String digest, byte[] config, List<Descriptor> layers) {
    this(digest, config, layers, List.of());
  }
}
