package io.corral.images.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Date;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Writes one reproducible layer tar in memory (Commons Compress): names without {@code ./},
 * mtime 0, numeric owners, entries in the order they are added (parents first).
 */
public final class LayerTar {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes);

  public LayerTar() {
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
  }

  public LayerTar dir(String name, int mode) {
    return dir(name, mode, 0, 0);
  }

  public LayerTar dir(String name, int mode, int uid, int gid) {
    TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/");
    return put(e, mode, uid, gid, null);
  }

  public LayerTar file(String name, int mode, String content) {
    return file(name, mode, content.getBytes(StandardCharsets.UTF_8));
  }

  public LayerTar file(String name, int mode, byte[] content) {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setSize(content.length);
    return put(e, mode, 0, 0, content);
  }

  /** A copy of a host file, e.g. {@code /bin/busybox}. */
  public LayerTar copy(String name, int mode, Path host) {
    try {
      return file(name, mode, Files.readAllBytes(host));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public LayerTar symlink(String name, String target) {
    TarArchiveEntry e = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
    e.setLinkName(target);
    return put(e, 0777, 0, 0, null);
  }

  /** A hard link {@code name} to {@code target}, an earlier entry of this layer. */
  public LayerTar hardlink(String name, String target) {
    TarArchiveEntry e = new TarArchiveEntry(name, TarArchiveEntry.LF_LINK);
    e.setLinkName(target);
    return put(e, 0644, 0, 0, null);
  }

  private LayerTar put(TarArchiveEntry e, int mode, int uid, int gid, byte[] content) {
    e.setMode((e.isDirectory() ? 040000 : e.isSymbolicLink() ? 0120000 : 0100000) | mode);
    e.setUserId(uid);
    e.setGroupId(gid);
    e.setModTime(new Date(0));
    try {
      tar.putArchiveEntry(e);
      if (content != null) {
        tar.write(content);
      }
      tar.closeArchiveEntry();
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
    return this;
  }

  /** The finished tar. */
  public byte[] bytes() {
    try {
      tar.finish();
      tar.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }
}
