package io.corral.images.unpack;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * A layer's tar from its blob: gunzipped when the blob starts with gzip's magic, as it is
 * otherwise; zstd, xz and bzip2 blobs are refused with an error naming the compression. Pure
 * functions of the stream; any thread.
 */
public final class Compression {
  private static final int BUFFER = 1 << 16;

  private Compression() {}

  /** The tar in a blob file; the caller closes it. */
  public static InputStream open(Path blob) throws IOException {
    InputStream in = Files.newInputStream(blob);
    try {
      return decompress(in);
    } catch (IOException | RuntimeException e) {
      in.close();
      throw e;
    }
  }

  /**
   * The tar in a blob's bytes; closing it closes {@code blob}. With gzip, every concatenated
   * member is read, so the tar's end is the blob's end.
   */
  public static InputStream decompress(InputStream blob) throws IOException {
    InputStream in = new BufferedInputStream(blob, BUFFER);
    in.mark(8);
    byte[] magic = in.readNBytes(6);
    in.reset();
    String refused = refused(magic);
    if (refused != null) {
      throw new IOException("the layer is " + refused + "-compressed, which is not supported");
    }
    if (startsWith(magic, 0x1f, 0x8b)) {
      return GzipCompressorInputStream.builder().setInputStream(in).setDecompressConcatenated(true).get();
    }
    return in;
  }

  private static String refused(byte[] m) {
    if (startsWith(m, 0x28, 0xb5, 0x2f, 0xfd)) {
      return "zstd";
    }
    if (startsWith(m, 0xfd, '7', 'z', 'X', 'Z', 0)) {
      return "xz";
    }
    return startsWith(m, 'B', 'Z', 'h') ? "bzip2" : null;
  }

  private static boolean startsWith(byte[] bytes, int... prefix) {
    if (bytes.length < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if ((bytes[i] & 0xff) != prefix[i]) {
        return false;
      }
    }
    return true;
  }
}
