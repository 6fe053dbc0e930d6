package io.corral.posix.testing;

import io.corral.posix.Errno;
import io.corral.posix.LinuxException;
import io.corral.posix.ProcStat;
import io.corral.posix.Processes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * {@link Processes} over {@link FakeLinux}'s process table. kill(2) of a missing pid is ESRCH;
 * signal 0 only probes; SIGHUP, SIGINT, SIGKILL and SIGTERM end the process (it is removed, as if
 * reaped); other signals are only recorded. A negative pid signals its process group. Pidfds are
 * small integers from 3 up. Thread-safe through the FakeLinux lock.
 */
public final class FakeProcesses implements Processes {
  private static final Set<Integer> FATAL = Set.of(1, 2, 9, 15);

  private final FakeLinux kernel;
  private final Map<Integer, Integer> pidfds = new HashMap<>();
  private final Map<Integer, List<CompletableFuture<Void>>> exitWatches = new HashMap<>();
  private int nextFd = 3;

  FakeProcesses(FakeLinux kernel) {
    this.kernel = kernel;
  }

  @Override
  public int getpid() {
    return kernel.pid();
  }

  @Override
  public int geteuid() {
    return kernel.euid();
  }

  @Override
  public void kill(int pid, int signal) {
    synchronized (kernel) {
      String detail = "pid=" + pid + " signal=" + signal;
      kernel.record("kill " + detail);
      kernel.check("kill", null, detail);
      List<Integer> targets = pid < -1
          ? kernel.table().values().stream().filter(p -> p.pgrp() == -pid).map(ProcStat::pid).toList()
          : kernel.process(pid).map(p -> List.of(p.pid())).orElse(List.of());
      if (targets.isEmpty()) {
        throw new LinuxException("kill", Errno.ESRCH, detail);
      }
      if (FATAL.contains(signal)) {
        targets.forEach(kernel::removeProcess);
      }
    }
  }

  @Override
  public int pidfdOpen(int pid) {
    synchronized (kernel) {
      String detail = "pid=" + pid;
      kernel.record("pidfd_open " + detail);
      kernel.check("pidfd_open", null, detail);
      if (!kernel.hasProcess(pid)) {
        throw new LinuxException("pidfd_open", Errno.ESRCH, detail);
      }
      int fd = nextFd++;
      pidfds.put(fd, pid);
      return fd;
    }
  }

  @Override
  public void pidfdSendSignal(int pidfd, int signal) {
    synchronized (kernel) {
      String detail = "pidfd=" + pidfd + " signal=" + signal;
      kernel.record("pidfd_send_signal " + detail);
      kernel.check("pidfd_send_signal", null, detail);
      Integer pid = pidfds.get(pidfd);
      if (pid == null) {
        throw new LinuxException("pidfd_send_signal", Errno.EBADF, detail);
      }
      if (!kernel.hasProcess(pid)) {
        throw new LinuxException("pidfd_send_signal", Errno.ESRCH, detail);
      }
      if (FATAL.contains(signal)) {
        kernel.removeProcess(pid);
      }
    }
  }

  /** Completes once the process is gone from the table (at once when it is); EBADF for an unknown fd. */
  @Override
  public CompletableFuture<Void> onExit(int pidfd) {
    synchronized (kernel) {
      String detail = "pidfd=" + pidfd;
      kernel.check("epoll_ctl", null, detail);
      Integer pid = pidfds.get(pidfd);
      if (pid == null) {
        throw new LinuxException("epoll_ctl", Errno.EBADF, detail);
      }
      if (!kernel.hasProcess(pid)) {
        return CompletableFuture.completedFuture(null);
      }
      CompletableFuture<Void> exited = new CompletableFuture<>();
      exitWatches.computeIfAbsent(pid, p -> new ArrayList<>()).add(exited);
      return exited;
    }
  }

  /** Called by FakeLinux, under its lock, when a process leaves the table. */
  void exited(int pid) {
    List<CompletableFuture<Void>> watches = exitWatches.remove(pid);
    if (watches != null) {
      watches.forEach(w -> w.complete(null)); // dependents run on their own executors
    }
  }

  /** The fake has no processes to spawn: launches are tested on the real kernel. */
  @Override
  public Spawned spawn(Path executable, Path stderr) {
    throw new UnsupportedOperationException("FakeProcesses cannot spawn '" + executable + "'");
  }

  /**
   * The fake has no memory files: sealed copies are tested on the real kernel. A scripted fault
   * ({@code failNext("memfd_create", EACCES)}) is thrown as a kernel that refuses them would.
   */
  @Override
  public int sealedCopy(String name, byte[] content) {
    kernel.check("memfd_create", null, "name='" + name + "'");
    throw new UnsupportedOperationException("FakeProcesses cannot make a sealed copy of '" + name + "'");
  }

  @Override
  public int reap(int pid) {
    throw new UnsupportedOperationException("FakeProcesses has no children to reap");
  }

  @Override
  public int read(int fd, byte[] buffer, int offset, int length) {
    throw new UnsupportedOperationException("FakeProcesses has no pipes");
  }

  @Override
  public void write(int fd, byte[] buffer, int offset, int length) {
    throw new UnsupportedOperationException("FakeProcesses has no pipes");
  }

  @Override
  public void close(int fd) {
    synchronized (kernel) {
      String detail = "fd=" + fd;
      kernel.record("close " + detail);
      kernel.check("close", null, detail);
      if (pidfds.remove(fd) == null) {
        throw new LinuxException("close", Errno.EBADF, detail);
      }
    }
  }

  /** Recorded as {@code lower_priority}; the fake has no scheduler to change. */
  @Override
  public void lowerCallingThreadPriority() {
    synchronized (kernel) {
      kernel.record("lower_priority");
      kernel.check("lower_priority", null, "");
    }
  }
}
