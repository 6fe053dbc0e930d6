package io.corral.it.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorOutputStream;

/** Compressed forms of a tar made by the test (gzip, bzip2, xz), and zip archives of text files. */
public final class Archives {
  private Archives() {}

  public static byte[] gzip(byte[] raw) {
    return compress(raw, "gz");
  }

  public static byte[] bzip2(byte[] raw) {
    return compress(raw, "bz2");
  }

  public static byte[] xz(byte[] raw) {
    return compress(raw, "xz");
  }

  private static byte[] compress(byte[] raw, String kind) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (OutputStream out = switch (kind) {
      case "gz" -> new GzipCompressorOutputStream(bytes);
      case "bz2" -> new BZip2CompressorOutputStream(bytes);
      default -> new XZCompressorOutputStream(bytes);
    }) {
      out.write(raw);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** A zip of {@code files} (name to text), each with mode {@code 0644}. */
  public static byte[] zip(Map<String, String> files) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(bytes)) {
      for (Map.Entry<String, String> f : files.entrySet()) {
        ZipArchiveEntry entry = new ZipArchiveEntry(f.getKey());
        entry.setUnixMode(0100644);
        zip.putArchiveEntry(entry);
        zip.write(f.getValue().getBytes(StandardCharsets.UTF_8));
        zip.closeArchiveEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }
}
