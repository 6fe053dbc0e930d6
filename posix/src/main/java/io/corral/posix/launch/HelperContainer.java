package io.corral.posix.launch;

import io.corral.posix.Errno;
import io.corral.posix.LinuxException;
import io.corral.posix.ProcFs;
import io.corral.posix.Processes;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One container started by {@link PidNamespaceLauncher}: the helper process, its two pipes and
 * a pidfd on the init. {@code release}, {@code abort}, {@code signal} and {@code kill} are called
 * from the caller's blocking threads; the exit is handled on the launcher's executor. The pidfd
 * is guarded by a lock so it is never used after {@link #exited()} has closed it.
 */
final class HelperContainer implements LaunchedContainer {
  private static final Logger LOG = LoggerFactory.getLogger(HelperContainer.class);
  private static final int SIGKILL = 9;

  private final Process helper;
  private final OutputStream sync;
  private final InputStream status;
  private final int initPid;
  private final boolean ownPidNamespace;
  private final Path statusPath;
  private final Processes processes;
  private final Leftovers leftovers;
  private final Object pidfdLock = new Object();
  private int pidfd; // -1 when closed or never opened
  private volatile boolean killed;
  private final CompletableFuture<Integer> exited;

  HelperContainer(Process helper, OutputStream sync, InputStream status, int initPid, int pidfd,
      boolean ownPidNamespace, Path statusPath, Processes processes, ProcFs proc, Executor executor) {
    this.helper = helper;
    this.sync = sync;
    this.status = status;
    this.initPid = initPid;
    this.pidfd = pidfd;
    this.ownPidNamespace = ownPidNamespace;
    this.statusPath = statusPath;
    this.processes = processes;
    this.leftovers = new Leftovers(initPid, processes, proc);
    // The reaper thread only completes onExit; the work below runs on the executor.
    this.exited = helper.onExit().thenApplyAsync(p -> afterHelperExit(), executor);
  }

  @Override
  public int initPid() {
    return initPid;
  }

  @Override
  public int helperPid() {
    return (int) helper.pid();
  }

  @Override
  public void release() {
    try {
      sync.write('G');
      sync.flush();
    } catch (IOException e) {
      // The init is gone (EPIPE): the status pipe tells the rest.
    }
    closeQuietly(sync);
    boolean child = false;
    InitProtocol.Err failure = null;
    try {
      for (String line; (line = InitProtocol.readLine(status)) != null; ) {
        InitProtocol.Line parsed = InitProtocol.parse(line);
        if (parsed instanceof InitProtocol.Child) {
          child = true;
        } else if (parsed instanceof InitProtocol.Err err && failure == null) {
          failure = err;
        }
      }
    } catch (IOException e) {
      LOG.debug("Status pipe of init {} failed: {}", initPid, e.toString());
    } finally {
      closeQuietly(status);
    }
    if (failure != null) {
      throw failure.toException();
    }
    if (!child) {
      throw LaunchException.exitedBeforeExec();
    }
  }

  @Override
  public void abort() {
    closeQuietly(sync);
    closeQuietly(status);
  }

  @Override
  public void signal(int signal) {
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
  public void kill() {
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
  public CompletableFuture<Integer> exited() {
    return exited;
  }

  private int afterHelperExit() {
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

  static void closeQuietly(Closeable c) {
    try {
      c.close();
    } catch (IOException e) {
      // nothing to do: the pipe is gone either way
    }
  }
}
