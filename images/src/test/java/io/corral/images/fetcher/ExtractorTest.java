package io.corral.images.fetcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.images.testing.LayerTar;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Archives made here, extracted into a sandbox: every format, and every way out refused with nothing left. */
class ExtractorTest {
  @TempDir Path sandbox;

  private Path write(String name, byte[] bytes) throws IOException {
    return Files.write(sandbox.resolve(name), bytes);
  }

  private Set<String> left() throws IOException {
    try (Stream<Path> s = Files.list(sandbox)) {
      return s.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
    }
  }

  private static byte[] compress(byte[] raw, String kind) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (OutputStream out = kind.equals("gz") ? new GzipCompressorOutputStream(bytes)
        : kind.equals("bz2") ? new BZip2CompressorOutputStream(bytes) : new XZCompressorOutputStream(bytes)) {
      out.write(raw);
    }
    return bytes.toByteArray();
  }

  @Test
  void everyFormatMesosExtractsIsExtracted() throws IOException {
    byte[] tar = new LayerTar().dir("d", 0755).file("d/f", 04755, "x").symlink("d/l", "f").hardlink("d/h", "d/f").bytes();
    for (String name : new String[] {"a.tar", "a.tgz", "a.tar.gz", "a.tbz2", "a.tar.bz2", "a.txz", "a.tar.xz"}) {
      byte[] bytes = name.endsWith(".tar") ? tar : compress(tar, name.contains("gz") ? "gz"
          : name.contains("bz2") ? "bz2" : "xz");
      Extractor.extract(write(name, bytes), sandbox, Long.MAX_VALUE, new FetchCancel());
      assertEquals("x", Files.readString(sandbox.resolve("d/f")), name);
      assertEquals("x", Files.readString(sandbox.resolve("d/h")), name);
      assertEquals(Path.of("f"), Files.readSymbolicLink(sandbox.resolve("d/l")), name);
      assertEquals("rwxr-xr-x", java.nio.file.attribute.PosixFilePermissions.toString(
          Files.getPosixFilePermissions(sandbox.resolve("d/f"))), "no set-id bit: " + name);
    }
    Extractor.extract(write("n.txt.gz", compress("plain".getBytes(StandardCharsets.UTF_8), "gz")), sandbox,
        Long.MAX_VALUE, new FetchCancel());
    assertEquals("plain", Files.readString(sandbox.resolve("n.txt")));
  }

  @Test
  void zipIsExtracted() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(bytes)) {
      zip.putArchiveEntry(new ZipArchiveEntry("z/a.txt"));
      zip.write("zipped".getBytes(StandardCharsets.UTF_8));
      zip.closeArchiveEntry();
    }
    Extractor.extract(write("a.zip", bytes.toByteArray()), sandbox, Long.MAX_VALUE, new FetchCancel());
    assertEquals("zipped", Files.readString(sandbox.resolve("z/a.txt")));
  }

  @Test
  void entriesThatLeaveTheSandboxAreRefusedAndNothingIsLeft() throws IOException {
    byte[][] bad = {
        new LayerTar().file("ok", 0644, "x").file("../up", 0644, "x").bytes(),
        new LayerTar().symlink("out", "/etc").bytes(),
        new LayerTar().symlink("out", "../..").bytes(),
        new LayerTar().symlink("out", "d").dir("d", 0755).file("out/x", 0644, "x").bytes(),
        new LayerTar().hardlink("h", "../../etc/passwd").bytes(),
    };
    for (byte[] tar : bad) {
      Path archive = write("bad.tar", tar);
      IOException e = assertThrows(FetchException.class, () -> Extractor.extract(archive, sandbox, Long.MAX_VALUE,
          new FetchCancel()));
      assertTrue(e.getMessage().startsWith("Failed to extract archive '" + archive + "'"), e.getMessage());
      assertEquals(Set.of("bad.tar"), left(), "left behind");
    }
    assertFalse(Files.exists(sandbox.getParent().resolve("up")));
  }

  @Test
  void theSandboxsOwnFilesStayRegularFiles() throws IOException {
    Files.writeString(sandbox.resolve("stderr"), "log");
    Path archive = write("a.tar", new LayerTar().symlink("stderr", "d/x").bytes());
    FetchException e = assertThrows(FetchException.class, () -> Extractor.extract(archive, sandbox, Long.MAX_VALUE,
        new FetchCancel()));
    assertTrue(e.getMessage().contains("would replace the sandbox's stderr file"), e.getMessage());
    assertTrue(Files.isRegularFile(sandbox.resolve("stderr"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
  }

  @Test
  void theLimitBoundsTheExtractedBytes() throws IOException {
    Path archive = write("big.tgz", compress(new LayerTar().file("big", 0644, new byte[1 << 20]).bytes(), "gz"));
    FetchException e = assertThrows(FetchException.class, () -> Extractor.extract(archive, sandbox, 1000,
        new FetchCancel()));
    assertTrue(e.getMessage().contains("larger than the container's disk limit of 1000 bytes"), e.getMessage());
    assertEquals(Set.of("big.tgz"), left());
  }

  @Test
  void aFileNeverReplacesADirectory() throws IOException {
    Files.createDirectory(sandbox.resolve("d"));
    Path archive = write("a.tar", new LayerTar().file("d", 0644, "x").bytes());
    assertThrows(FetchException.class, () -> Extractor.extract(archive, sandbox, Long.MAX_VALUE, new FetchCancel()));
    assertTrue(Files.isDirectory(sandbox.resolve("d")));
  }
}
