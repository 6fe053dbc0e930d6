package io.corral.posix;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/**
 * Process verbs: identity, spawning, signals, pidfds, and the raw pipe I/O a spawned helper is
 * driven with. Every method throws {@link LinuxException}.
 */
public interface Processes {
  /**
   * A child started by {@link #spawn}: its pid, a pidfd on it, the write end of the pipe on its
   * fd 0 and the read end of the pipe on its fd 1, all close-on-exec and owned by the caller,
   * who must also reap the child ({@link #reap}) once {@link #onExit} of the pidfd has fired.
   */
  record Spawned(int pid, int pidfd, int stdin, int stdout) {}

  int getpid();

  int geteuid();

  /** kill(2). */
  void kill(int pid, int signal);

  /** pidfd_open(2): a file descriptor that names this process even if its pid is reused. */
  int pidfdOpen(int pid);

  /** pidfd_send_signal(2). */
  void pidfdSendSignal(int pidfd, int signal);

  /**
   * posix_spawn(3) of {@code executable} with only argv[0] and an empty environment: fd 0 and
   * fd 1 are new pipes (see {@link Spawned}), fd 2 is {@code stderr} opened for appending
   * (created 0644) or, when null, this process's fd 2; the signal mask is empty and every
   * signal's disposition the default. Descriptors this process opened without close-on-exec are
   * inherited too: the executable must close what it does not need (corral-init closes
   * everything above 2 first). Nothing is left open when it throws.
   */
  Spawned spawn(Path executable, Path stderr);

  /**
   * A sealed, read-only, executable in-memory copy of {@code content}: a memfd_create(2) file
   * named {@code name}, close-on-exec, written once and then sealed with F_SEAL_SHRINK,
   * F_SEAL_GROW, F_SEAL_WRITE, F_SEAL_EXEC (where the kernel has it: its mode bits stay) and
   * F_SEAL_SEAL, so no process, root included, can change its bytes again. Returns the
   * descriptor; {@link #spawn} runs it as {@code /proc/self/fd/<fd>}, which the kernel resolves in
   * the child before close-on-exec takes the descriptor away.
   */
  int sealedCopy(String name, byte[] content);

  /**
   * waitpid(2) for a child of this process, blocking until it has exited; returns its raw wait
   * status. Called once {@link #onExit} of its pidfd has fired, it returns at once.
   */
  int reap(int pid);

  /** read(2) from a pipe, blocking; returns 0 at end of file. */
  int read(int fd, byte[] buffer, int offset, int length);

  /** write(2) of all of {@code length} bytes to a pipe, blocking (EPIPE once its reader is gone). */
  void write(int fd, byte[] buffer, int offset, int length);

  /**
   * Completes once the process a pidfd names has exited, whoever its parent is (a child still
   * needs {@link #reap}). One thread watches every pidfd; the future completes on it, so
   * dependents must run on their own executor. The pidfd must stay open until it completes.
   */
  CompletableFuture<Void> onExit(int pidfd);

  /** close(2). */
  void close(int fd);

  /**
   * Lowers the calling thread to nice 19 ({@code setpriority(PRIO_PROCESS, tid, 19)}) and to the
   * idle I/O class ({@code ioprio_set(IOPRIO_WHO_PROCESS, tid, IOPRIO_CLASS_IDLE)}). Both are
   * per thread on Linux and inherited by every process the thread spawns, across exec; the
   * thread cannot raise them again without privilege, so only a dedicated thread should call it.
   */
  void lowerCallingThreadPriority();
}
