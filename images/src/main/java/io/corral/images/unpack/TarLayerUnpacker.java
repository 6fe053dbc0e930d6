package io.corral.images.unpack;

import io.corral.posix.FileNodes;
import io.corral.posix.FileNodes.NodeType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Unpacks a layer, a tar stream (or a blob file as {@link Compression} opens it) read with
 * Commons Compress, into an empty directory
 * as root: regular files, directories, symbolic links (kept as they are, never followed), hard
 * links (to an earlier entry of the same layer only), character and block devices and FIFOs, with
 * numeric owners, modes including setuid, setgid and sticky, modification times (directories
 * last) and extended attributes from PAX {@code SCHILY.xattr.*} records. Whiteouts are kept in
 * the {@link WhiteoutFormat} given. It returns once what it wrote is on disk ({@code syncfs}).
 *
 * <p>Names are relative to the directory: a leading {@code /} is dropped, as Docker does; a
 * {@code ..} component, an entry under a symbolic link, or a hard link to anything but an
 * earlier file of the layer is refused with an {@link UnsafeLayerException}. On any failure the
 * directory is emptied again before the exception leaves.
 *
 * <p>Threading: blocking; call it on a blocking thread. Stateless, so one instance serves many
 * unpacks at once (into different directories).
 */
public final class TarLayerUnpacker implements LayerUnpacker {
  private static final Logger LOG = LoggerFactory.getLogger(TarLayerUnpacker.class);
  private static final String XATTR_PAX_PREFIX = "SCHILY.xattr.";
  private static final long MAX_ID = 0xfffffffeL;

  private final FileNodes nodes;
  private final WhiteoutFormat whiteouts;

  public TarLayerUnpacker(FileNodes nodes, WhiteoutFormat whiteouts) {
    this.nodes = nodes;
    this.whiteouts = whiteouts;
  }

  public WhiteoutFormat whiteouts() {
    return whiteouts;
  }

  /** Unpacks a blob file; a failure's message names it. */
  @Override
  public void unpack(Path blob, Path directory) throws IOException {
    String what = "layer '" + blob + "'";
    InputStream in;
    try {
      in = Compression.open(blob);
    } catch (IOException e) {
      throw failed(e, what, directory);
    }
    try (in) {
      unpack(in, directory, what);
    }
  }

  @Override
  public void unpack(InputStream tar, Path directory) throws IOException {
    unpack(tar, directory, "layer");
  }

  private void unpack(InputStream in, Path directory, String what) throws IOException {
    try {
      TarArchiveInputStream tar = new TarArchiveInputStream(in);
      LayerWriter writer = new LayerWriter(directory, nodes);
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        unpackEntry(tar, entry, writer);
      }
      writer.finish();
      // Before the store renames the layer into place: no crash may leave a complete-looking
      // layer whose files never reached the disk. One flush of the file system per layer.
      nodes.syncFileSystem(directory);
    } catch (IOException | RuntimeException e) {
      throw failed(e, what, directory);
    }
  }

  /** The failure of an unpack, after the directory was emptied again. */
  private static IOException failed(Exception e, String what, Path directory) {
    String message = "Failed to unpack " + what + " into '" + directory + "': " + e.getMessage();
    IOException failure = e instanceof UnsafeLayerException
        ? new UnsafeLayerException(message, e) : new IOException(message, e);
    try {
      FileTrees.deleteContents(directory);
    } catch (IOException cleanup) {
      failure.addSuppressed(cleanup);
    }
    return failure;
  }

  private void unpackEntry(TarArchiveInputStream tar, TarArchiveEntry entry, LayerWriter writer)
      throws IOException {
    String name = EntryNames.normalize(entry.getName());
    if (name.isEmpty()) {
      LOG.debug("Skipping the entry of the layer root '{}'", entry.getName());
      return;
    }
    if (EntryNames.base(name).startsWith(WhiteoutFormat.PREFIX)) {
      whiteout(tar, entry, name, writer);
      return;
    }
    if (entry.isDirectory()) {
      writer.directory(name, metadata(entry));
    } else if (entry.isSymbolicLink()) {
      writer.symlink(name, entry.getLinkName(), metadata(entry));
    } else if (entry.isLink()) {
      writer.hardLink(name, EntryNames.normalize(entry.getLinkName()));
    } else if (entry.isCharacterDevice()) {
      writer.node(name, NodeType.CHARACTER_DEVICE, entry.getDevMajor(), entry.getDevMinor(), metadata(entry));
    } else if (entry.isBlockDevice()) {
      writer.node(name, NodeType.BLOCK_DEVICE, entry.getDevMajor(), entry.getDevMinor(), metadata(entry));
    } else if (entry.isFIFO()) {
      writer.node(name, NodeType.FIFO, 0, 0, metadata(entry));
    } else if (isRegular(entry)) {
      writer.file(name, tar, metadata(entry));
    } else {
      throw new IOException("entry '" + name + "' has the unsupported type '" + (char) entry.getLinkFlag() + "'");
    }
  }

  /** A whiteout marker: converted for overlayfs, or kept as the empty file it is for copy. */
  private void whiteout(TarArchiveInputStream tar, TarArchiveEntry entry, String name, LayerWriter writer)
      throws IOException {
    String base = EntryNames.base(name);
    String parent = EntryNames.parent(name);
    if (!base.equals(WhiteoutFormat.OPAQUE) && base.startsWith(WhiteoutFormat.AUFS_META)) {
      LOG.debug("Skipping aufs bookkeeping entry '{}'", name);
      return;
    }
    if (!base.equals(WhiteoutFormat.OPAQUE)) {
      String hidden = base.substring(WhiteoutFormat.PREFIX.length());
      if (hidden.isEmpty() || hidden.equals(".") || hidden.equals("..")) {
        throw new UnsafeLayerException("entry '" + name + "' is a whiteout of '" + hidden + "'");
      }
      if (whiteouts == WhiteoutFormat.OVERLAY) {
        writer.whiteout(EntryNames.child(parent, hidden));
        return;
      }
    } else if (whiteouts == WhiteoutFormat.OVERLAY) {
      writer.opaque(parent);
      return;
    }
    if (!isRegular(entry)) {
      throw new IOException("entry '" + name + "' is a whiteout but not a regular file");
    }
    writer.file(name, tar, metadata(entry));
  }

  private static boolean isRegular(TarArchiveEntry entry) {
    byte flag = entry.getLinkFlag();
    return flag == TarConstants.LF_NORMAL || flag == TarConstants.LF_OLDNORM
        || flag == TarConstants.LF_CONTIG || flag == TarConstants.LF_GNUTYPE_SPARSE;
  }

  private static NodeMetadata metadata(TarArchiveEntry entry) throws IOException {
    return new NodeMetadata(id(entry, entry.getLongUserId()), id(entry, entry.getLongGroupId()),
        entry.getMode(), entry.getLastModifiedTime(), xattrs(entry));
  }

  private static int id(TarArchiveEntry entry, long id) throws IOException {
    if (id < 0 || id > MAX_ID) {
      throw new IOException("entry '" + entry.getName() + "' has the invalid owner id " + id);
    }
    return (int) id;
  }

  /**
   * The {@code SCHILY.xattr.*} records of the entry. NOTE: Commons Compress decodes PAX values as
   * UTF-8, so a binary value that is not valid UTF-8 cannot be recovered; it is skipped with a
   * warning rather than written wrong.
   */
  private static Map<String, byte[]> xattrs(TarArchiveEntry entry) {
    Map<String, byte[]> xattrs = new LinkedHashMap<>();
    for (Map.Entry<String, String> header : entry.getExtraPaxHeaders().entrySet()) {
      if (!header.getKey().startsWith(XATTR_PAX_PREFIX)) {
        continue;
      }
      String name = header.getKey().substring(XATTR_PAX_PREFIX.length());
      if (header.getValue().indexOf('\uFFFD') >= 0) {
        LOG.warn("Skipping extended attribute '{}' of '{}': its value is not UTF-8", name, entry.getName());
        continue;
      }
      xattrs.put(name, header.getValue().getBytes(StandardCharsets.UTF_8));
    }
    return xattrs;
  }
}
