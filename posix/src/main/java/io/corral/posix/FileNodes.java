package io.corral.posix;

import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Optional;

/**
 * The file verbs the JDK lacks, none of which follows a symbolic link: device and FIFO nodes
 * ({@code mknod}), extended attributes of any namespace ({@code lsetxattr}, {@code lgetxattr},
 * {@code llistxattr}; the JDK only reaches {@code user.*}) and nanosecond times set on the node
 * itself ({@code utimensat} with {@code AT_SYMLINK_NOFOLLOW}, which never opens a FIFO or a
 * device). Image layers need them to be unpacked and copied faithfully.
 *
 * <p>Threading: every call blocks in a system call; stateless, any thread. Failures are
 * {@link LinuxException}s naming the call and the path.
 */
public interface FileNodes {

  /** The node types {@code mknod} makes here. */
  enum NodeType {
    CHARACTER_DEVICE, BLOCK_DEVICE, FIFO
  }

  /**
   * Makes a node at {@code path} with the permission bits {@code mode} (the process umask
   * applies, so callers set the mode again afterwards); {@code major}/{@code minor} are ignored
   * for a FIFO.
   */
  void mknod(Path path, NodeType type, int mode, long major, long minor);

  /** Sets the extended attribute {@code name} of the node at {@code path} (not followed). */
  void setXattr(Path path, String name, byte[] value);

  /** The value of extended attribute {@code name}, or empty when the node has none by that name. */
  Optional<byte[]> getXattr(Path path, String name);

  /** The names of the node's extended attributes, in the kernel's order. */
  List<String> listXattrs(Path path);

  /**
   * Writes everything of the file system holding the directory {@code path} to disk
   * ({@code syncfs}): data, and metadata, of every file on it, not only of this one.
   */
  void syncFileSystem(Path path);

  /** Sets the access and modification times of the node at {@code path} (not followed). */
  void setTimes(Path path, FileTime access, FileTime modification);

  /** The real kernel through jnr-ffi; loads libc, so call it once, in the composition root. */
  static FileNodes nativeDefault() {
    return io.corral.posix.nativeimpl.NativeFileNodes.create();
  }
}
