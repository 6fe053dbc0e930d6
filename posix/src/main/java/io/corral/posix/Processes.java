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

  /** close(2). */
  void close(int fd);
}
