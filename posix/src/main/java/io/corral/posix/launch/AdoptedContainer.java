package io.corral.posix.launch;

import io.corral.posix.Errno;
import io.corral.posix.LinuxException;
import io.corral.posix.ProcFs;
import io.corral.posix.Processes;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * A container whose init a previous agent forked and released, adopted by a restarted one
 * through a pidfd on the init (see {@link Launcher#recover}). The init is not this process's
 * child, so its exit is seen by the pidfd becoming readable (one blocked poll(2) on the
 * launcher's executor, not a polling loop) and its command's wait status is the one the init
 * wrote to the status file. The pidfd is guarded by a lock so it is never used after
 * {@link #exited()} has closed it. Release and abort have nothing left to do: the command runs.
 */
final class AdoptedContainer implements LaunchedContainer {
  private static final int SIGKILL = 9;

  private final int initPid;
  private final int helperPid;
  private final boolean ownPidNamespace;
  private final Processes processes;
  private final Leftovers leftovers;
  private final Object pidfdLock = new Object();
  private int pidfd;
  private volatile boolean killed;
  private final CompletableFuture<Integer> exited;

  AdoptedContainer(int initPid, int helperPid, int pidfd, boolean ownPidNamespace, Path statusPath,
      Processes processes, ProcFs proc, Executor executor) {
    this.initPid = initPid;
    this.helperPid = helperPid;
    this.pidfd = pidfd;
    this.ownPidNamespace = ownPidNamespace;
    this.processes = processes;
    this.leftovers = new Leftovers(initPid, processes, proc);
    this.exited = CompletableFuture.supplyAsync(() -> awaitExit(statusPath), executor);
  }

  @Override
  public int initPid() {
    return initPid;
  }

  @Override
  public int helperPid() {
    return helperPid;
  }

  /** The previous agent released it: nothing to do. */
  @Override
  public void release() {}

  /** The previous agent released it: there is no launch left to abort. */
  @Override
  public void abort() {}

  @Override
  public void signal(int signal) {
    synchronized (pidfdLock) {
      if (pidfd < 0) {
        return;
      }
      try {
        processes.pidfdSendSignal(pidfd, signal);
      } catch (LinuxException e) {
        if (e.errno() != Errno.ESRCH) { // ESRCH: it has exited
          throw e;
        }
      }
    }
  }

  @Override
  public void kill() {
    killed = true;
    if (!ownPidNamespace && !exited.isDone()) {
      leftovers.kill();
    }
    signal(SIGKILL);
  }

  @Override
  public CompletableFuture<Integer> exited() {
    return exited;
  }

  private int awaitExit(Path statusPath) {
    try {
      processes.pidfdAwaitExit(pidfd);
      java.util.OptionalInt recorded = Leftovers.readStatus(statusPath);
      if (!ownPidNamespace && (killed || recorded.isEmpty())) {
        leftovers.kill();
        leftovers.awaitReaped();
      }
      return recorded.orElse(SIGKILL);
    } finally {
      synchronized (pidfdLock) {
        processes.close(pidfd);
        pidfd = -1;
      }
    }
  }
}
