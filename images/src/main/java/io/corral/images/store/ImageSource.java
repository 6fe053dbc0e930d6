package io.corral.images.store;

import io.corral.images.ImageReference;
import java.io.IOException;
import java.nio.file.Path;
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
   * Writes layer {@code index} of a resolved image into {@code target}, verified against its
   * descriptor's digest when it has one; returns its size. {@code progress} gets the bytes so far.
   */
  long fetch(ImageReference reference, ResolvedImage image, int index, Path target, LongConsumer progress)
      throws IOException;
}
