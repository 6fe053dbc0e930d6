package io.corral.posix;

/** Process verbs: identity, signals and pidfds. Every method throws {@link LinuxException}. */
public interface Processes {
  int getpid();

  int geteuid();

  /** kill(2). */
  void kill(int pid, int signal);

  /** pidfd_open(2): a file descriptor that names this process even if its pid is reused. */
  int pidfdOpen(int pid);

  /** pidfd_send_signal(2). */
  void pidfdSendSignal(int pidfd, int signal);

  /**
   * Blocks until the process a pidfd names has exited (poll(2) until the pidfd is readable,
   * which it becomes when the process ends, whoever its parent is). For a process that is not
   * the caller's child, where waitpid(2) cannot help.
   */
  void pidfdAwaitExit(int pidfd);

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
