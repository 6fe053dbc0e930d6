package io.corral.images.unpack;

import io.corral.posix.Errno;
import io.corral.posix.FileNodes;
import io.corral.posix.LinuxException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a layer says about a node beyond its content: numeric owner, permission bits (with
 * setuid, setgid and sticky), modification time and extended attributes. Applied after the
 * node's content is written (a chown clears setuid, so the mode comes after the owner), and
 * never through a symbolic link.
 *
 * @param uid the numeric owner
 * @param gid the numeric group
 * @param mode the permission bits, {@code 07777} at most
 * @param mtime the modification time (also used as the access time)
 * @param xattrs extended attributes by full name ({@code security.capability}, {@code user.x})
 */
public record NodeMetadata(int uid, int gid, int mode, FileTime mtime, Map<String, byte[]> xattrs) {
  private static final Logger LOG = LoggerFactory.getLogger(NodeMetadata.class);

  public NodeMetadata {
    mode &= 07777;
    xattrs = Map.copyOf(xattrs);
  }

  /**
   * Applies this to the node at {@code path}; {@code symlink} says it is a symbolic link (whose
   * mode Linux ignores). An extended attribute the file system does not support is skipped.
   */
  public void applyTo(Path path, FileNodes nodes, boolean symlink) throws IOException {
    applyTo(path, nodes, symlink, true);
  }

  /**
   * As {@link #applyTo(Path, FileNodes, boolean)}; {@code setOwner} false leaves the owner as it is
   * (the caller knows it is already this one).
   */
  public void applyTo(Path path, FileNodes nodes, boolean symlink, boolean setOwner) throws IOException {
    if (setOwner) {
      Files.setAttribute(path, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
      Files.setAttribute(path, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
    }
    if (!symlink) {
      // NOTE: follows a link, but callers made this node themselves and it is not one.
      Files.setAttribute(path, "unix:mode", mode);
    }
    for (Map.Entry<String, byte[]> xattr : xattrs.entrySet()) {
      try {
        nodes.setXattr(path, xattr.getKey(), xattr.getValue());
      } catch (LinuxException e) {
        if (e.errno() != Errno.EOPNOTSUPP) {
          throw e;
        }
        LOG.debug("Skipping extended attribute '{}' of '{}': {}", xattr.getKey(), path, e.getMessage());
      }
    }
    nodes.setTimes(path, mtime, mtime);
  }

  /** The metadata of the node at {@code path} as it is on disk (not followed). */
  public static NodeMetadata read(Path path, FileNodes nodes) throws IOException {
    Map<String, Object> attrs = Files.readAttributes(path, "unix:uid,gid,mode,lastModifiedTime",
        LinkOption.NOFOLLOW_LINKS);
    Map<String, byte[]> xattrs = new LinkedHashMap<>();
    for (String name : nodes.listXattrs(path)) {
      nodes.getXattr(path, name).ifPresent(value -> xattrs.put(name, value));
    }
    return new NodeMetadata((Integer) attrs.get("uid"), (Integer) attrs.get("gid"),
        (Integer) attrs.get("mode"), (FileTime) attrs.get("lastModifiedTime"), xattrs);
  }
}
