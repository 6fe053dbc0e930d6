package io.corral.posix.launch;

import io.corral.posix.Errno;
import io.corral.posix.LinuxException;
import io.corral.posix.ProcFs;
import io.corral.posix.Processes;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * What a freshly launched container ({@link HelperContainer}) and an adopted one
 * ({@link AdoptedContainer}) share: a pidfd on the init, through which it is signalled and
 * killed, and the end of the container. When the subclass's exit trigger fires (a pidfd watched
 * by {@link Processes#onExit}), the launcher's executor runs the subclass's own after-exit step,
 * then reads the status file, kills and awaits the leftovers of a container without a pid
 * namespace, closes the pidfd and completes {@link #exited()}. The pidfd is guarded by a lock so
 * it is never used after it is closed. {@code signal} and {@code kill} are called from the
 * caller's blocking threads.
 */
abstract class WatchedInit implements LaunchedContainer {
  private static final int SIGKILL = 9;

  private final int initPid;
  private final boolean ownPidNamespace;
  private final Processes processes;
  private final Leftovers leftovers;
  private final Object pidfdLock = new Object();
  private int pidfd; // -1 when closed or never opened
  private volatile boolean killed;
  private final CompletableFuture<Integer> exited;

  /**
   * @param pidfd a pidfd on the init, or -1 when the init was gone before one could be opened
   * @param exit fires once the container's processes are gone (see the subclasses)
   * @param afterExit runs first once {@code exit} has fired (reaping the helper, say)
   */
  WatchedInit(int initPid, int pidfd, boolean ownPidNamespace, Path statusPath, Processes processes,
      ProcFs proc, CompletableFuture<Void> exit, Runnable afterExit, Executor executor) {
    this.initPid = initPid;
    this.pidfd = pidfd;
    this.ownPidNamespace = ownPidNamespace;
    this.processes = processes;
    this.leftovers = new Leftovers(initPid, processes, proc);
    this.exited = exit.thenApplyAsync(v -> {
      afterExit.run();
      return finish(statusPath);
    }, executor);
  }

  @Override
  public final int initPid() {
    return initPid;
  }

  @Override
  public final void signal(int signal) {
    synchronized (pidfdLock) {
      if (pidfd < 0) {
        return;
      }
      try {
        processes.pidfdSendSignal(pidfd, signal);
      } catch (LinuxException e) {
        if (e.errno() != Errno.ESRCH) { // ESRCH: it has exited, not yet reaped
          throw e;
        }
      }
    }
  }

  @Override
  public final void kill() {
    killed = true;
    // Without a pid namespace the tree goes first: once the init (a child subreaper) is dead,
    // its orphans would be reparented to the host's init and out of reach of the tree walk.
    // Once exited() is done the pid may belong to someone else: it can be reused.
    if (!ownPidNamespace && !exited.isDone()) {
      leftovers.kill();
    }
    signal(SIGKILL);
  }

  @Override
  public final CompletableFuture<Integer> exited() {
    return exited;
  }

  private int finish(Path statusPath) {
    try {
      OptionalInt recorded = Leftovers.readStatus(statusPath);
      // An init that recorded a status has killed and reaped its whole session before exiting;
      // one that was killed (by kill() or by anyone) may have left processes behind.
      if (!ownPidNamespace && (killed || recorded.isEmpty())) {
        leftovers.kill();
        leftovers.awaitReaped();
      }
      return recorded.orElse(SIGKILL);
    } finally {
      synchronized (pidfdLock) {
        if (pidfd >= 0) {
          processes.close(pidfd);
          pidfd = -1;
        }
      }
    }
  }
}
