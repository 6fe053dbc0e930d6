package io.corral.posix.nativeimpl;

import io.corral.posix.Errno;
import io.corral.posix.FileNodes;
import io.corral.posix.LinuxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;

/** {@link FileNodes} through jnr-ffi ({@link FileCalls}). Stateless; any thread. */
public final class NativeFileNodes implements FileNodes {
  private static final int S_IFCHR = 0020000;
  private static final int S_IFBLK = 0060000;
  private static final int S_IFIFO = 0010000;
  private static final int AT_FDCWD = -100;
  private static final int AT_SYMLINK_NOFOLLOW = 0x100;
  private static final int O_RDONLY_CLOEXEC = 02000000;

  private final FileCalls calls;
  private final Runtime runtime;

  NativeFileNodes(FileCalls calls) {
    this.calls = calls;
    this.runtime = Runtime.getRuntime(calls);
  }

  /** Loads libc; call once per facade. */
  public static NativeFileNodes create() {
    return new NativeFileNodes(LibraryLoader.create(FileCalls.class).load("c"));
  }

  @Override
  public void mknod(Path path, NodeType type, int mode, long major, long minor) {
    int kind = switch (type) {
      case CHARACTER_DEVICE -> S_IFCHR;
      case BLOCK_DEVICE -> S_IFBLK;
      case FIFO -> S_IFIFO;
    };
    long dev = type == NodeType.FIFO ? 0 : makedev(major, minor);
    while (calls.mknod(path.toString(), kind | (mode & 07777), dev) < 0) {
      retryOrThrow("mknod", "path='" + path + "' type=" + type + " dev=" + major + ":" + minor);
    }
  }

  @Override
  public void setXattr(Path path, String name, byte[] value) {
    while (calls.lsetxattr(path.toString(), name, value, value.length, 0) < 0) {
      retryOrThrow("lsetxattr", "path='" + path + "' name='" + name + "'");
    }
  }

  @Override
  public Optional<byte[]> getXattr(Path path, String name) {
    while (true) {
      long size = calls.lgetxattr(path.toString(), name, null, 0);
      if (size < 0) {
        if (runtime.getLastError() == Errno.ENODATA.code()) {
          return Optional.empty();
        }
        retryOrThrow("lgetxattr", "path='" + path + "' name='" + name + "'");
        continue;
      }
      byte[] value = new byte[(int) size];
      long read = calls.lgetxattr(path.toString(), name, value, value.length);
      if (read >= 0) {
        return Optional.of(Arrays.copyOf(value, (int) read));
      }
      if (runtime.getLastError() != Errno.ERANGE.code()) { // ERANGE: it grew meanwhile
        retryOrThrow("lgetxattr", "path='" + path + "' name='" + name + "'");
      }
    }
  }

  @Override
  public List<String> listXattrs(Path path) {
    while (true) {
      long size = calls.llistxattr(path.toString(), null, 0);
      if (size < 0) {
        retryOrThrow("llistxattr", "path='" + path + "'");
        continue;
      }
      byte[] list = new byte[(int) size];
      long read = calls.llistxattr(path.toString(), list, list.length);
      if (read >= 0) {
        return names(list, (int) read);
      }
      if (runtime.getLastError() != Errno.ERANGE.code()) {
        retryOrThrow("llistxattr", "path='" + path + "'");
      }
    }
  }

  @Override
  public void setTimes(Path path, FileTime access, FileTime modification) {
    long[] times = {seconds(access), nanos(access), seconds(modification), nanos(modification)};
    while (calls.utimensat(AT_FDCWD, path.toString(), times, AT_SYMLINK_NOFOLLOW) < 0) {
      retryOrThrow("utimensat", "path='" + path + "' flags=AT_SYMLINK_NOFOLLOW");
    }
  }

  @Override
  public void syncFileSystem(Path path) {
    int fd;
    while ((fd = calls.open(path.toString(), O_RDONLY_CLOEXEC)) < 0) {
      retryOrThrow("open", "path='" + path + "' flags=O_RDONLY|O_CLOEXEC");
    }
    try {
      if (calls.syncfs(fd) < 0) {
        throw new LinuxException("syncfs", Errno.of(runtime.getLastError()), "path='" + path + "'");
      }
    } finally {
      calls.close(fd);
    }
  }

  /** glibc's gnu_dev_makedev. */
  static long makedev(long major, long minor) {
    return ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8)
        | ((minor & 0xffffff00L) << 12) | (minor & 0xffL);
  }

  /** The NUL-separated names of an llistxattr(2) buffer. */
  private static List<String> names(byte[] list, int length) {
    List<String> names = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < length; i++) {
      if (list[i] == 0) {
        if (i > start) {
          names.add(new String(list, start, i - start, StandardCharsets.UTF_8));
        }
        start = i + 1;
      }
    }
    return names;
  }

  private static long seconds(FileTime time) {
    return Math.floorDiv(time.to(TimeUnit.NANOSECONDS), 1_000_000_000L);
  }

  private static long nanos(FileTime time) {
    return Math.floorMod(time.to(TimeUnit.NANOSECONDS), 1_000_000_000L);
  }

  /** Returns on EINTR (the caller loops); throws for any other errno. */
  private void retryOrThrow(String syscall, String detail) {
    int errno = runtime.getLastError();
    if (errno != Errno.EINTR.code()) {
      throw new LinuxException(syscall, Errno.of(errno), detail);
    }
  }
}
