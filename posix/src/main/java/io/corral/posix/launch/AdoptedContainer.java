package io.corral.posix.launch;

import io.corral.posix.ProcFs;
import io.corral.posix.Processes;
import java.nio.file.Path;
import java.util.concurrent.Executor;

/**
 * A container whose init a previous agent forked and released, adopted by a restarted one
 * through a pidfd on the init (see {@link Launcher#recover}). The init is not this process's
 * child, so its exit is seen by the pidfd becoming readable ({@link Processes#onExit}: no thread
 * waits for it) and its command's wait status is the one the init wrote to the status file.
 * Release and abort have nothing left to do: the command runs.
 */
final class AdoptedContainer extends WatchedInit {
  private final int helperPid;

  AdoptedContainer(int initPid, int helperPid, int pidfd, boolean ownPidNamespace, Path statusPath,
      Processes processes, ProcFs proc, Executor executor) {
    super(initPid, pidfd, ownPidNamespace, statusPath, processes, proc, processes.onExit(pidfd),
        () -> {}, executor);
    this.helperPid = helperPid;
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
}
