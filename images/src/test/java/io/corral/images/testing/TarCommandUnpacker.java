package io.corral.images.testing;

import io.corral.images.unpack.LayerUnpacker;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A test-only {@link LayerUnpacker}: GNU {@code tar -x} (which sniffs gzip itself) with numeric
 * owners. It converts no whiteouts; the store's tests only need the layer's files on disk.
 */
public final class TarCommandUnpacker implements LayerUnpacker {
  @Override
  public void unpack(Path blob, Path directory) throws IOException {
    Commands.run(120, List.of("tar", "-x", "--numeric-owner", "-C", directory.toString(), "-f", blob.toString()));
  }
}
