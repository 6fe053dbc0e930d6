package io.corral.posix.nativeimpl;

import io.corral.posix.Errno;
import io.corral.posix.LinuxException;
import io.corral.posix.Processes;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;

/**
 * {@link Processes} on the real kernel through jnr-ffi. Every call checks its return value; on
 * -1 it reads errno at once and throws {@link LinuxException}, retrying {@code EINTR} itself.
 * Thread-safe and stateless beyond the loaded library; any thread may call it (the calls are
 * short, non-blocking system calls, except {@link #pidfdAwaitExit}, which blocks its caller).
 */
public final class NativeProcesses implements Processes {
  /** The generic syscall numbers, the same on x86_64 and arm64 since Linux 5.1/5.3. */
  static final long SYS_PIDFD_SEND_SIGNAL = 424;

  static final long SYS_PIDFD_OPEN = 434;

  /** The older, per-architecture syscall numbers: gettid, setpriority, ioprio_set. */
  private static final boolean ARM64 = "aarch64".equals(System.getProperty("os.arch"));
  static final long SYS_GETTID = ARM64 ? 178 : 186;
  static final long SYS_SETPRIORITY = ARM64 ? 140 : 141;
  static final long SYS_IOPRIO_SET = ARM64 ? 30 : 251;

  private static final int PRIO_PROCESS = 0;
  private static final int IOPRIO_WHO_PROCESS = 1;
  private static final int IOPRIO_CLASS_IDLE = 3;
  private static final int IOPRIO_CLASS_SHIFT = 13;

  private static final int POLLIN = 1;
  private static final int POLLNVAL = 0x20;

  private final LibC libc;
  private final Runtime runtime;

  NativeProcesses(LibC libc) {
    this.libc = libc;
    this.runtime = Runtime.getRuntime(libc);
  }

  /** Loads libc; call once and share the instance (never from a static initializer). */
  public static NativeProcesses create() {
    return new NativeProcesses(LibraryLoader.create(LibC.class).load("c"));
  }

  @Override
  public int getpid() {
    return libc.getpid();
  }

  @Override
  public int geteuid() {
    return libc.geteuid();
  }

  @Override
  public void kill(int pid, int signal) {
    while (libc.kill(pid, signal) < 0) {
      retryOrThrow("kill", "pid=" + pid + " signal=" + signal);
    }
  }

  @Override
  public int pidfdOpen(int pid) {
    long fd;
    while ((fd = libc.syscall(SYS_PIDFD_OPEN, pid, 0, 0, 0)) < 0) {
      retryOrThrow("pidfd_open", "pid=" + pid);
    }
    return (int) fd;
  }

  @Override
  public void pidfdSendSignal(int pidfd, int signal) {
    while (libc.syscall(SYS_PIDFD_SEND_SIGNAL, pidfd, signal, 0, 0) < 0) {
      retryOrThrow("pidfd_send_signal", "pidfd=" + pidfd + " signal=" + signal);
    }
  }

  @Override
  public void pidfdAwaitExit(int pidfd) {
    int[] fds = {pidfd, POLLIN};
    while (true) {
      fds[1] = POLLIN;
      if (libc.poll(fds, 1, -1) < 0) {
        retryOrThrow("poll", "pidfd=" + pidfd);
        continue;
      }
      if ((fds[1] >>> 16) != 0) { // POLLIN once exited; POLLERR/POLLNVAL/POLLHUP end the wait too
        if (((fds[1] >>> 16) & POLLNVAL) != 0) {
          throw exception("poll", Errno.EBADF.code(), "pidfd=" + pidfd);
        }
        return;
      }
    }
  }

  @Override
  public void close(int fd) {
    // NOTE: on Linux close(2) releases the fd even when it fails with EINTR; retrying could
    // close a descriptor another thread has just been given, so EINTR counts as success.
    if (libc.close(fd) < 0) {
      int errno = runtime.getLastError();
      if (errno != Errno.EINTR.code()) {
        throw exception("close", errno, "fd=" + fd);
      }
    }
  }

  @Override
  public void lowerCallingThreadPriority() {
    long tid = libc.syscall(SYS_GETTID, 0, 0, 0, 0);
    while (libc.syscall(SYS_SETPRIORITY, PRIO_PROCESS, tid, 19, 0) < 0) {
      retryOrThrow("setpriority", "tid=" + tid + " nice=19");
    }
    // NOTE: the idle class only takes effect under an I/O scheduler that has classes (BFQ,
    // CFQ); with none or mq-deadline the kernel accepts it and ignores it.
    while (libc.syscall(SYS_IOPRIO_SET, IOPRIO_WHO_PROCESS, tid,
        IOPRIO_CLASS_IDLE << IOPRIO_CLASS_SHIFT, 0) < 0) {
      retryOrThrow("ioprio_set", "tid=" + tid + " class=IDLE");
    }
  }

  /** Returns when the failed call should be retried (EINTR), else throws. */
  private void retryOrThrow(String syscall, String detail) {
    int errno = runtime.getLastError();
    if (errno != Errno.EINTR.code()) {
      throw exception(syscall, errno, detail);
    }
  }

  private static LinuxException exception(String syscall, int errno, String detail) {
    Errno e = Errno.of(errno);
    return new LinuxException(syscall, e, e == Errno.UNKNOWN ? detail + " errno=" + errno : detail);
  }
}
