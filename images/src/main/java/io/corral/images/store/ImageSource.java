package io.corral.images.store;

import io.corral.images.ImageReference;
import io.corral.images.registry.BlobReader;
import java.io.IOException;
import java.util.function.LongConsumer;

/**
 * Where images come from: a registry ({@link RegistrySource}) or a directory of image archives
 * ({@link ArchiveSource}), as {@code --docker_registry} says. Methods block and are called on the
 * store's executor; implementations are thread-safe.
 */
public interface ImageSource {

  /** The reference in the normalized form the store keys images by. */
  ImageReference normalize(ImageReference reference);

  /** The manifest (or its archive equivalent) and the verified config of a normalized reference. */
  ResolvedImage resolve(ImageReference reference) throws IOException;

  /**
   * Reads layer {@code index} of a resolved image through {@code reader} as it arrives, verified
   * against its descriptor's digest when it has one (see {@link BlobReader}: a broken transfer
   * may call the reader again), and returns the reader's result. {@code progress} gets the bytes
   * so far, and the layer's size last.
   */
  <T> T read(ImageReference reference, ResolvedImage image, int index, LongConsumer progress, BlobReader<T> reader)
      throws IOException;
}
