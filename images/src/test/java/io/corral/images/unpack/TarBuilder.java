package io.corral.images.unpack;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

/**
 * Builds layer tars in tests with Commons Compress (PAX headers for long names, big numbers and
 * xattrs). Names are kept exactly as given, a leading '/' included. Every entry belongs to
 * {@link #uid}:{@link #gid} unless a customizer says otherwise.
 */
public final class TarBuilder {
  /** The time every entry carries unless changed. */
  public static final FileTime TIME = FileTime.from(Instant.parse("2020-01-02T03:04:05Z"));

  private final List<TarArchiveEntry> entries = new ArrayList<>();
  private final List<byte[]> contents = new ArrayList<>();
  private final int uid;
  private final int gid;

  public TarBuilder(int uid, int gid) {
    this.uid = uid;
    this.gid = gid;
  }

  public TarBuilder dir(String name, int mode, Consumer<TarArchiveEntry> customize) {
    return add(new TarArchiveEntry(name, TarConstants.LF_DIR, true), mode, new byte[0], customize);
  }

  public TarBuilder dir(String name) {
    return dir(name, 0755, e -> {});
  }

  public TarBuilder file(String name, String content, int mode, Consumer<TarArchiveEntry> customize) {
    return file(name, content.getBytes(StandardCharsets.UTF_8), mode, customize);
  }

  public TarBuilder file(String name, byte[] bytes, int mode, Consumer<TarArchiveEntry> customize) {
    TarArchiveEntry entry = new TarArchiveEntry(name, true);
    entry.setSize(bytes.length);
    return add(entry, mode, bytes, customize);
  }

  public TarBuilder file(String name, String content) {
    return file(name, content, 0644, e -> {});
  }

  public TarBuilder symlink(String name, String target) {
    TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
    entry.setLinkName(target);
    return add(entry, 0777, new byte[0], e -> {});
  }

  public TarBuilder hardLink(String name, String target) {
    TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_LINK, true);
    entry.setLinkName(target);
    return add(entry, 0644, new byte[0], e -> {});
  }

  public TarBuilder node(String name, byte type, int mode, int major, int minor) {
    TarArchiveEntry entry = new TarArchiveEntry(name, type, true);
    entry.setDevMajor(major);
    entry.setDevMinor(minor);
    return add(entry, mode, new byte[0], e -> {});
  }

  /** A customizer adding {@code SCHILY.xattr.NAME} records. */
  public static Consumer<TarArchiveEntry> xattrs(Map<String, String> xattrs) {
    return e -> xattrs.forEach((k, v) -> e.addPaxHeader("SCHILY.xattr." + k, v));
  }

  /** A customizer for the owner. */
  public static Consumer<TarArchiveEntry> owner(int uid, int gid) {
    return e -> {
      e.setUserId(uid);
      e.setGroupId(gid);
    };
  }

  private TarBuilder add(TarArchiveEntry entry, int mode, byte[] content, Consumer<TarArchiveEntry> customize) {
    entry.setMode(mode);
    entry.setUserId(uid);
    entry.setGroupId(gid);
    entry.setModTime(TIME);
    customize.accept(entry);
    entries.add(entry);
    contents.add(content);
    return this;
  }

  public byte[] bytes(boolean gzip) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (OutputStream out = gzip ? new GzipCompressorOutputStream(bytes) : bytes;
         TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      for (int i = 0; i < entries.size(); i++) {
        tar.putArchiveEntry(entries.get(i));
        tar.write(contents.get(i));
        tar.closeArchiveEntry();
      }
    }
    return bytes.toByteArray();
  }

  public Path write(Path file, boolean gzip) throws IOException {
    return Files.write(file, bytes(gzip));
  }
}
