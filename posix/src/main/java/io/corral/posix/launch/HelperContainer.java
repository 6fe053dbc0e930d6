package io.corral.posix.launch;

import io.corral.posix.Errno;
import io.corral.posix.LinuxException;
import io.corral.posix.ProcFs;
import io.corral.posix.ProcStat;
import io.corral.posix.Processes;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.LockSupport;
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
  private static final long SESSION_REAP_TIMEOUT_NANOS = 5_000_000_000L;

  private final Process helper;
  private final OutputStream sync;
  private final InputStream status;
  private final int initPid;
  private final boolean ownPidNamespace;
  private final Path statusPath;
  private final Processes processes;
  private final ProcFs proc;
  private final Object pidfdLock = new Object();
  private int pidfd; // -1 when closed or never opened
  private volatile boolean killed;
  /** Pids of the container killed by {@link #killLeftovers}: "exited" waits until they are reaped. */
  private final Set<Integer> doomed = ConcurrentHashMap.newKeySet();
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
    this.proc = proc;
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
      killLeftovers();
    }
    signal(SIGKILL);
  }

  @Override
  public CompletableFuture<Integer> exited() {
    return exited;
  }

  /**
   * Without a pid namespace nothing kills the command's leftovers when the init dies, so every
   * live descendant of the init (through ppid links: a process that left the session with
   * setsid is still one) and every process of its session (setsid made the init's pid its id)
   * gets SIGKILL, pass after pass, until a pass finds none: a process forked meanwhile is caught
   * by the next one. The init itself is left to the caller.
   */
  private void killLeftovers() {
    for (int pass = 0; ; pass++) {
      boolean found = false;
      List<ProcStat> all = proc.processes();
      Set<Integer> tree = new HashSet<>(List.of(initPid));
      for (boolean grown = true; grown; ) {
        grown = false;
        for (ProcStat p : all) {
          if (!tree.contains(p.pid()) && (tree.contains(p.ppid()) || p.session() == initPid)) {
            grown = tree.add(p.pid());
          }
        }
      }
      for (ProcStat p : all) {
        if (p.pid() != initPid && tree.contains(p.pid()) && p.state() != 'Z' && p.state() != 'X') {
          found = true;
          doomed.add(p.pid());
          try {
            processes.kill(p.pid(), SIGKILL);
          } catch (LinuxException e) {
            if (e.errno() != Errno.ESRCH) {
              throw e;
            }
          }
        }
      }
      if (!found) {
        return;
      }
      if (pass > 0) { // killed processes need a moment to become zombies
        LockSupport.parkNanos(1_000_000);
      }
    }
  }

  /**
   * Zombies of a killed init's tree are reparented to the host's init, which reaps them on its
   * own time; wait (bounded) until they are gone — every process of the session and every one
   * {@link #killLeftovers} killed, in another session too — so that "exited" means no process
   * is left.
   */
  private void awaitLeftoversReaped() {
    long deadline = System.nanoTime() + SESSION_REAP_TIMEOUT_NANOS;
    while (proc.processes().stream().anyMatch(p -> p.session() == initPid || doomed.contains(p.pid()))) {
      if (System.nanoTime() > deadline) {
        LOG.warn("Processes of the container of init {} are still not reaped", initPid);
        return;
      }
      LockSupport.parkNanos(1_000_000);
    }
  }

  private int afterHelperExit() {
    try {
      OptionalInt recorded = readStatus();
      // An init that recorded a status has killed and reaped its whole session before exiting;
      // one that was killed (by kill() or by anyone) may have left processes behind.
      if (!ownPidNamespace && (killed || recorded.isEmpty())) {
        killLeftovers();
        awaitLeftoversReaped();
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

  /** The command's raw wait status as the init recorded it, if it did. */
  private OptionalInt readStatus() {
    try {
      String text = Files.readString(statusPath).trim();
      return text.isEmpty() ? OptionalInt.empty() : OptionalInt.of(Integer.parseInt(text));
    } catch (NoSuchFileException e) {
      return OptionalInt.empty();
    } catch (IOException | NumberFormatException e) {
      LOG.warn("Failed to read the status file '{}': {}", statusPath, e.toString());
      return OptionalInt.empty();
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
