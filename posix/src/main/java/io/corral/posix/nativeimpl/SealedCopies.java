package io.corral.posix.nativeimpl;

import io.corral.posix.Errno;
import io.corral.posix.LinuxException;
import java.util.Arrays;
import jnr.ffi.Runtime;

/**
 * Makes the sealed in-memory executables of {@link NativeProcesses#sealedCopy}: memfd_create(2),
 * one write of the whole content, then the seals. The same idea as crun's and runc's defence
 * against a container that rewrites the runtime's binary (CVE-2019-5736): what is executed lives
 * in no file system a container can reach, and the seals make it immutable even through
 * {@code /proc/<pid>/fd}. Stateless; any thread.
 */
final class SealedCopies {
  private static final int MFD_CLOEXEC = 0x1;
  private static final int MFD_ALLOW_SEALING = 0x2;
  /** Linux 6.3: executable even where {@code vm.memfd_noexec} would make it not by default. */
  private static final int MFD_EXEC = 0x10;
  private static final int F_ADD_SEALS = 1033;
  private static final int F_GET_SEALS = 1034;
  private static final int F_SEAL_SEAL = 0x1;
  private static final int F_SEAL_SHRINK = 0x2;
  private static final int F_SEAL_GROW = 0x4;
  private static final int F_SEAL_WRITE = 0x8;
  /** Linux 6.3: chmod(2) can no longer change the execute bits (a container could clear them). */
  private static final int F_SEAL_EXEC = 0x20;
  static final int REQUIRED_SEALS = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;

  private SealedCopies() {}

  /** The sealed descriptor; nothing is left open when it throws. */
  static int create(LibC libc, Runtime runtime, String name, byte[] content) {
    int fd = memfd(libc, runtime, name);
    try {
      writeAll(libc, runtime, fd, content, name);
      seal(libc, runtime, fd, name);
      return fd;
    } catch (RuntimeException e) {
      libc.close(fd);
      throw e;
    }
  }

  private static int memfd(LibC libc, Runtime runtime, String name) {
    int flags = MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC;
    for (;;) {
      int fd = libc.memfd_create(name, flags);
      if (fd >= 0) {
        return fd;
      }
      int errno = runtime.getLastError();
      if (errno == Errno.EINVAL.code() && (flags & MFD_EXEC) != 0) {
        flags &= ~MFD_EXEC; // before Linux 6.3 every memfd is executable and the flag unknown
      } else if (errno != Errno.EINTR.code()) {
        throw exception("memfd_create", errno, "name='" + name + "' flags=" + describeFlags(flags));
      }
    }
  }

  private static void writeAll(LibC libc, Runtime runtime, int fd, byte[] content, String name) {
    byte[] rest = content;
    while (rest.length > 0) {
      long n = libc.write(fd, rest, rest.length);
      if (n < 0) {
        int errno = runtime.getLastError();
        if (errno != Errno.EINTR.code()) {
          throw exception("write", errno, "memfd='" + name + "'");
        }
      } else {
        rest = Arrays.copyOfRange(rest, (int) n, rest.length);
      }
    }
  }

  private static void seal(LibC libc, Runtime runtime, int fd, String name) {
    int seals = REQUIRED_SEALS | F_SEAL_EXEC;
    while (libc.fcntl(fd, F_ADD_SEALS, seals) < 0) {
      int errno = runtime.getLastError();
      if (errno == Errno.EINVAL.code() && (seals & F_SEAL_EXEC) != 0) {
        seals = REQUIRED_SEALS; // before Linux 6.3
      } else if (errno != Errno.EINTR.code()) {
        throw exception("fcntl", errno, "F_ADD_SEALS memfd='" + name + "' seals=" + seals);
      }
    }
    int held = libc.fcntl(fd, F_GET_SEALS, 0);
    if (held < 0 || (held & REQUIRED_SEALS) != REQUIRED_SEALS) {
      throw new LinuxException("fcntl", Errno.UNKNOWN, "F_GET_SEALS memfd='" + name + "' returned " + held
          + ", not all of " + REQUIRED_SEALS);
    }
  }

  private static String describeFlags(int flags) {
    return (flags & MFD_EXEC) != 0 ? "MFD_CLOEXEC|MFD_ALLOW_SEALING|MFD_EXEC" : "MFD_CLOEXEC|MFD_ALLOW_SEALING";
  }

  private static LinuxException exception(String syscall, int errno, String detail) {
    Errno e = Errno.of(errno);
    return new LinuxException(syscall, e, e == Errno.UNKNOWN ? detail + " errno=" + errno : detail);
  }
}
