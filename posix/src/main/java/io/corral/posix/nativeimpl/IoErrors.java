package io.corral.posix.nativeimpl;

import io.corral.posix.Errno;
import io.corral.posix.LinuxException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

/**
 * The one place that turns a Java {@link IOException} from file access under {@code /proc} and
 * {@code /sys/fs/cgroup} back into the errno the kernel returned. The JDK keeps the errno only as
 * its strerror text (the exception type for a few, the reason or message for the rest), so this
 * maps the types and matches the text against {@link Errno#description()}.
 */
public final class IoErrors {
  private IoErrors() {}

  /** The errno behind an I/O failure, or {@link Errno#UNKNOWN}. */
  public static Errno errno(IOException e) {
    if (e instanceof NoSuchFileException) {
      return Errno.ENOENT;
    }
    if (e instanceof AccessDeniedException) {
      return Errno.EACCES;
    }
    if (e instanceof FileAlreadyExistsException) {
      return Errno.EEXIST;
    }
    if (e instanceof DirectoryNotEmptyException) {
      return Errno.ENOTEMPTY;
    }
    if (e instanceof NotDirectoryException) {
      return Errno.ENOTDIR;
    }
    String text = e instanceof FileSystemException fse ? fse.getReason() : e.getMessage();
    if (text == null) {
      return Errno.UNKNOWN;
    }
    // The JDK's text is usually exactly strerror; fall back to a substring for decorated text.
    for (Errno candidate : Errno.values()) {
      if (candidate != Errno.UNKNOWN && text.equals(candidate.description())) {
        return candidate;
      }
    }
    for (Errno candidate : Errno.values()) {
      if (candidate != Errno.UNKNOWN && text.contains(candidate.description())) {
        return candidate;
      }
    }
    return Errno.UNKNOWN;
  }

  /** A {@link LinuxException} for an operation on a path, keeping the I/O failure as cause. */
  public static LinuxException toLinux(String syscall, Path path, IOException e) {
    return new LinuxException(syscall, errno(e), "path='" + path + "'", e);
  }
}
