package io.corral.images.unpack;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * Unpacks one layer into an empty directory of the store, in the form the configured backend
 * reads. Implementations refuse every path escape and leave nothing behind on failure, and return
 * only once what they wrote is on disk (the store then renames the directory into place, so a
 * crash of the machine never leaves a complete-looking layer whose files were lost).
 */
@FunctionalInterface
public interface LayerUnpacker {

  /**
   * Unpacks a layer's tar, read from {@code tar} (already decompressed). The caller owns the
   * stream: the unpacker neither closes it nor needs to read past the tar's end-of-archive.
   */
  void unpack(InputStream tar, Path directory) throws IOException;

  /** Unpacks a blob file, a tar as {@link Compression#open} reads it. */
  default void unpack(Path blob, Path directory) throws IOException {
    try (InputStream tar = Compression.open(blob)) {
      unpack(tar, directory);
    }
  }
}
