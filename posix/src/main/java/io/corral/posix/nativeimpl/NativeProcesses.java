package io.corral.posix.nativeimpl;

import io.corral.posix.Errno;
import io.corral.posix.LinuxException;
import io.corral.posix.Processes;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * {@link Processes} on the real kernel through jnr-ffi. Every call checks its return value; on
 * -1 it reads errno at once and throws {@link LinuxException}, retrying {@code EINTR} itself.
 * Thread-safe; its only state beyond the loaded library is the exit watcher ({@link PidfdExits}),
 * one per JVM, started on the first {@link #onExit}. Any thread may call it; {@link #read}, {@link #write}
 * and {@link #reap} block their caller.
 */
public final class NativeProcesses implements Processes {
  /** The generic syscall numbers, the same on x86_64 and arm64 since Linux 5.1/5.3. */
  static final long SYS_PIDFD_SEND_SIGNAL = 424;

  static final long SYS_PIDFD_OPEN = 434;


  private static final int PRIO_PROCESS = 0;
  private static final int IOPRIO_WHO_PROCESS = 1;
  private static final int IOPRIO_CLASS_IDLE = 3;
  private static final int IOPRIO_CLASS_SHIFT = 13;

  private static final int O_WRONLY = 01;
  private static final int O_CREAT = 0100;
  private static final int O_APPEND = 02000;
  private static final int O_CLOEXEC = 02000000;
  private static final int F_DUPFD_CLOEXEC = 1030;
  private static final short POSIX_SPAWN_SETSIGDEF = 0x04;
  private static final short POSIX_SPAWN_SETSIGMASK = 0x08;
  /** Larger than glibc's posix_spawn_file_actions_t (80 bytes) and posix_spawnattr_t (336). */
  private static final int SPAWN_STRUCT_BYTES = 512;
  /** glibc's sigset_t: 1024 bits. */
  private static final int SIGSET_BYTES = 128;

  private final LibC libc;
  private final Runtime runtime;
  /** The older, per-architecture syscall numbers: gettid, setpriority, ioprio_set. */
  private final Arch arch;
  /** One exit watcher per JVM, however many instances: started on the first onExit. */
  private static volatile PidfdExits exits;

  NativeProcesses(LibC libc) {
    this.arch = Arch.current(); // an unknown architecture stops here, before any syscall
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
  public Spawned spawn(Path executable, Path stderr) {
    int[] in = pipe();
    int[] out = null;
    int err = -1;
    try {
      out = pipe();
      if (stderr != null) {
        while ((err = libc.open(stderr.toString(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) < 0) {
          retryOrThrow("open", "path='" + stderr + "'");
        }
      }
      int pid = posixSpawn(executable, in[0], out[1], err);
      libc.close(in[0]);
      in[0] = -1;
      libc.close(out[1]);
      out[1] = -1;
      int pidfd;
      try {
        pidfd = pidfdOpen(pid); // never ESRCH: an unreaped child keeps its pid
      } catch (LinuxException e) {
        closeAll(in[1], out[0]); // the child reads EOF and exits
        in[1] = -1;
        out[0] = -1;
        reap(pid);
        throw e;
      }
      return new Spawned(pid, pidfd, in[1], out[0]);
    } catch (RuntimeException e) {
      closeAll(in[0], in[1]); // err: below
      if (out != null) {
        closeAll(out[0], out[1]);
      }
      throw e;
    } finally {
      if (err >= 0) {
        libc.close(err);
      }
    }
  }

  @Override
  public int sealedCopy(String name, byte[] content) {
    return SealedCopies.create(libc, runtime, name, content);
  }

  /** posix_spawn with the three descriptors dup'ed onto 0, 1 and (when >= 0) 2. */
  private int posixSpawn(Path executable, int stdin, int stdout, int stderr) {
    Pointer actions = Memory.allocateDirect(runtime, SPAWN_STRUCT_BYTES);
    Pointer attributes = Memory.allocateDirect(runtime, SPAWN_STRUCT_BYTES);
    Pointer mask = Memory.allocateDirect(runtime, SIGSET_BYTES);
    Pointer defaults = Memory.allocateDirect(runtime, SIGSET_BYTES);
    check("posix_spawn_file_actions_init", libc.posix_spawn_file_actions_init(actions), "");
    try {
      check("posix_spawnattr_init", libc.posix_spawnattr_init(attributes), "");
      try {
        int[] targets = {stdin, stdout, stderr};
        for (int fd = 0; fd < targets.length; fd++) {
          if (targets[fd] >= 0) {
            check("posix_spawn_file_actions_adddup2",
                libc.posix_spawn_file_actions_adddup2(actions, targets[fd], fd), "fd=" + targets[fd] + " to " + fd);
          }
        }
        libc.sigemptyset(mask);
        // Every bit, not sigfillset(3): that leaves out glibc's internal signals (32, 33),
        // which posix_spawn would then set to SIG_IGN in the child, and exec keeps SIG_IGN.
        defaults.setMemory(0, SIGSET_BYTES, (byte) 0xff);
        check("posix_spawnattr_setsigmask", libc.posix_spawnattr_setsigmask(attributes, mask), "");
        check("posix_spawnattr_setsigdefault",
            libc.posix_spawnattr_setsigdefault(attributes, defaults), "");
        short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
        check("posix_spawnattr_setflags", libc.posix_spawnattr_setflags(attributes, flags), "");
        String path = executable.toString();
        int[] pid = new int[1];
        int error = libc.posix_spawn(pid, path, actions, attributes, new String[] {path}, new String[0]);
        check("posix_spawn", error, "path='" + path + "'");
        return pid[0];
      } finally {
        libc.posix_spawnattr_destroy(attributes);
      }
    } finally {
      libc.posix_spawn_file_actions_destroy(actions);
    }
  }

  /** A pipe, both ends close-on-exec and above fd 2 (so dup2 onto 0..2 never meets them). */
  private int[] pipe() {
    int[] fds = new int[2];
    while (libc.pipe2(fds, O_CLOEXEC) < 0) {
      retryOrThrow("pipe2", "flags=O_CLOEXEC");
    }
    for (int i = 0; i < 2; i++) {
      if (fds[i] <= 2) { // only when this process runs with fd 0, 1 or 2 closed
        int moved = libc.fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
        int errno = runtime.getLastError();
        libc.close(fds[i]);
        if (moved < 0) {
          closeAll(fds[1 - i]);
          throw exception("fcntl", errno, "F_DUPFD_CLOEXEC fd=" + fds[i]);
        }
        fds[i] = moved;
      }
    }
    return fds;
  }

  @Override
  public int reap(int pid) {
    int[] status = new int[1];
    while (libc.waitpid(pid, status, 0) < 0) {
      retryOrThrow("waitpid", "pid=" + pid);
    }
    return status[0];
  }

  @Override
  public int read(int fd, byte[] buffer, int offset, int length) {
    byte[] into = offset == 0 ? buffer : new byte[length];
    long n;
    while ((n = libc.read(fd, into, length)) < 0) {
      retryOrThrow("read", "fd=" + fd);
    }
    if (into != buffer) {
      System.arraycopy(into, 0, buffer, offset, (int) n);
    }
    return (int) n;
  }

  @Override
  public void write(int fd, byte[] buffer, int offset, int length) {
    byte[] rest = offset == 0 ? buffer : java.util.Arrays.copyOfRange(buffer, offset, offset + length);
    int left = length;
    while (left > 0) {
      long n = libc.write(fd, rest, left);
      if (n < 0) {
        retryOrThrow("write", "fd=" + fd);
        continue;
      }
      left -= (int) n;
      if (left > 0) {
        rest = java.util.Arrays.copyOfRange(rest, (int) n, (int) n + left);
      }
    }
  }

  @Override
  public CompletableFuture<Void> onExit(int pidfd) {
    PidfdExits watcher = exits;
    if (watcher == null) {
      synchronized (NativeProcesses.class) {
        if ((watcher = exits) == null) {
          exits = watcher = PidfdExits.start(libc);
        }
      }
    }
    return watcher.watch(pidfd);
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
    long tid = libc.syscall(arch.gettid, 0, 0, 0, 0);
    while (libc.syscall(arch.setpriority, PRIO_PROCESS, tid, 19, 0) < 0) {
      retryOrThrow("setpriority", "tid=" + tid + " nice=19");
    }
    // NOTE: the idle class only takes effect under an I/O scheduler that has classes (BFQ,
    // CFQ); with none or mq-deadline the kernel accepts it and ignores it.
    while (libc.syscall(arch.ioprioSet, IOPRIO_WHO_PROCESS, tid,
        IOPRIO_CLASS_IDLE << IOPRIO_CLASS_SHIFT, 0) < 0) {
      retryOrThrow("ioprio_set", "tid=" + tid + " class=IDLE");
    }
  }

  private void closeAll(int... fds) {
    for (int fd : fds) {
      if (fd >= 0) {
        libc.close(fd);
      }
    }
  }

  /** For the calls that return an error number instead of -1 and errno (posix_spawn*). */
  private static void check(String call, int error, String detail) {
    if (error != 0) {
      throw exception(call, error, detail);
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
