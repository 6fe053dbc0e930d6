package io.corral.images.unpack;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Unpacks one verified layer blob (a tar, gzip-compressed or not) into an empty directory of the
 * store, in the form the configured backend reads. Implementations refuse every path escape and
 * leave nothing behind on failure.
 */
@FunctionalInterface
public interface LayerUnpacker {
  void unpack(Path blob, Path directory) throws IOException;
}
