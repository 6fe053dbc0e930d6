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
}
