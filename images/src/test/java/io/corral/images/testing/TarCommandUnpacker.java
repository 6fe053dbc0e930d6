package io.corral.images.testing;

import io.corral.images.unpack.LayerUnpacker;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A test-only {@link LayerUnpacker}: GNU {@code tar -x} with numeric owners, reading the layer's
 * tar on its stdin. It converts no whiteouts; the store's tests only need the layer's files on disk.
 */
public final class TarCommandUnpacker implements LayerUnpacker {
  @Override
  public void unpack(InputStream tar, Path directory) throws IOException {
    Process p = new ProcessBuilder("tar", "-x", "--numeric-owner", "-C", directory.toString(), "-f", "-")
        .redirectErrorStream(true).start();
    try (OutputStream stdin = p.getOutputStream()) {
      tar.transferTo(stdin);
    }
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IOException("tar -x failed: " + output.strip());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for tar", e);
    }
  }
}
