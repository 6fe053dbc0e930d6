package io.corral.posix.launch;

import io.corral.posix.Errno;
import io.corral.posix.LinuxException;
import io.corral.posix.ProcFs;
import io.corral.posix.Processes;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.Namespace;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@link Launcher} over {@code corral-init}: one helper process per container, spawned with
 * an empty environment; fd 0 is the sync pipe (plan, then the go byte), fd 1 the status pipe,
 * fd 2 the container's stderr. {@link #fork} returns once the helper reports the init's pid.
 *
 * <p>Stdio: the plan's own {@code stdout_path} and {@code stdin_path} win; when unset, stdout
 * is {@link Stdio#stdout()} or, when that is null, this JVM's stdout
 * ({@code /proc/<pid>/fd/1}, so {@code corral run} prints to the terminal), and stdin is
 * {@link Stdio#stdin()} or {@code /dev/null}. Stderr is always {@link Stdio#stderr()}, appended,
 * or this JVM's stderr. The caller sets {@code status_path} (required by the helper).
 *
 * <p>The helper and the init each start a new session, so a Ctrl-C on the agent's terminal
 * reaches only the agent, which then destroys its containers; and they survive an agent that
 * dies, to be recovered by their pids and status files.
 *
 * <p>The helper is spawned with posix_spawn(3) ({@link Processes#spawn}), not the JDK's
 * ProcessBuilder: that would exec the JDK's {@code jspawnhelper} first (a second exec per
 * launch) and keep a reaper thread blocked per live container. Exits are watched instead by the
 * one shared pidfd watcher ({@link Processes#onExit}).
 *
 * <p>Threads: {@code fork} blocks briefly (process spawn and one pipe read) and runs on the
 * caller's blocking dispatcher; exit handling (reaping the helper, reading the status file)
 * runs on the given executor, never on the pidfd watcher's thread. Stateless between calls;
 * recovery of existing containers is the caller's (it reopens a pidfd on the checkpointed init
 * pid).
 */
public final class PidNamespaceLauncher implements Launcher {
  private static final int SIGKILL = 9;

  private final Path helper;
  private final Processes processes;
  private final ProcFs proc;
  private final Executor executor;
  private final String jvmStdout;

  /** Exit handling on a small shared pool of daemon threads. */
  public PidNamespaceLauncher(Path helper, Processes processes, ProcFs proc) {
    this(helper, processes, proc, SharedExecutor.INSTANCE);
  }

  public PidNamespaceLauncher(Path helper, Processes processes, ProcFs proc, Executor executor) {
    this.helper = helper;
    this.processes = processes;
    this.proc = proc;
    this.executor = executor;
    this.jvmStdout = "/proc/" + processes.getpid() + "/fd/1";
  }

  @Override
  public LaunchedContainer fork(String containerId, LaunchPlan plan, Stdio stdio) {
    LaunchPlan complete = withStdio(plan, stdio);
    byte[] framed = InitProtocol.frame(complete);
    Processes.Spawned helper = start(stdio.stderr());
    OutputStream sync = FdStreams.out(processes, helper.stdin());
    InputStream status = FdStreams.in(processes, helper.stdout());
    String writeFailure = "";
    try {
      sync.write(framed);
      sync.flush();
    } catch (IOException e) {
      writeFailure = ": " + e.getMessage(); // the helper refused early; its ERR line says why
    }
    InitProtocol.Line first = readFirstLine(status);
    if (!(first instanceof InitProtocol.Pid pid)) {
      HelperContainer.closeQuietly(sync);
      HelperContainer.closeQuietly(status);
      if (!(first instanceof InitProtocol.Err)) {
        killQuietly(helper);
      }
      reapWhenExited(helper);
      if (first instanceof InitProtocol.Err err) {
        throw err.toException();
      }
      throw new LaunchException("init", null, "corral-init exited before cloning the init" + writeFailure);
    }
    int pidfd = -1;
    try {
      pidfd = processes.pidfdOpen(pid.pid());
    } catch (LinuxException e) {
      if (e.errno() != Errno.ESRCH) { // ESRCH: the init is already gone, release() reports it
        HelperContainer.closeQuietly(sync); // the init exits without the go byte
        HelperContainer.closeQuietly(status);
        reapWhenExited(helper);
        throw new LaunchException("init", e.errno(), "Failed to open a pidfd for the init of '"
            + containerId + "': " + e.getMessage());
      }
    }
    boolean ownPidNamespace = complete.getCloneNamespacesList().contains(Namespace.PID);
    return new HelperContainer(helper, sync, status, pid.pid(), pidfd, ownPidNamespace,
        Path.of(complete.getStatusPath()), processes, proc, executor);
  }

  /**
   * Opens a pidfd on the init first and then checks its start time, so a pid reused after the
   * open cannot pass for it.
   */
  @Override
  public java.util.Optional<LaunchedContainer> recover(
      String containerId, LaunchPlan plan, int initPid, int helperPid, long initStartTicks) {
    int pidfd;
    try {
      pidfd = processes.pidfdOpen(initPid);
    } catch (LinuxException e) {
      if (e.errno() == Errno.ESRCH) {
        return java.util.Optional.empty();
      }
      throw new LaunchException("init", e.errno(), "Failed to open a pidfd for the init of '"
          + containerId + "': " + e.getMessage());
    }
    java.util.Optional<io.corral.posix.ProcStat> stat;
    try {
      stat = proc.stat(initPid);
    } catch (LinuxException e) {
      processes.close(pidfd);
      throw new LaunchException("init", e.errno(), "Failed to read the stat of the init of '"
          + containerId + "': " + e.getMessage());
    }
    if (stat.isEmpty() || stat.get().startTicks() != initStartTicks || stat.get().state() == 'Z') {
      processes.close(pidfd);
      return java.util.Optional.empty();
    }
    boolean ownPidNamespace = plan.getCloneNamespacesList().contains(Namespace.PID);
    return java.util.Optional.of(new AdoptedContainer(initPid, helperPid, pidfd, ownPidNamespace,
        Path.of(plan.getStatusPath()), processes, proc, executor));
  }

  /**
   * Spawns the helper with fd 2 on the container's stderr file (appended) or this JVM's.
   *
   * <p>NOTE: a process forked elsewhere in this JVM while the helper was being installed may still
   * hold an inherited write descriptor to it for a moment, and exec then fails with ETXTBSY;
   * that window closes by itself, so it is retried a few times.
   */
  private Processes.Spawned start(Path stderr) {
    for (int attempt = 1; ; attempt++) {
      try {
        return processes.spawn(helper, stderr);
      } catch (LinuxException e) {
        if (attempt == 3 || e.errno() != Errno.ETXTBSY) {
          throw new LaunchException("init", e.errno(), "Failed to start '" + helper + "': " + e.getMessage());
        }
        Thread.yield();
      }
    }
  }

  private void killQuietly(Processes.Spawned spawned) {
    try {
      processes.pidfdSendSignal(spawned.pidfd(), SIGKILL);
    } catch (LinuxException e) {
      // ESRCH: it has exited already; the reap below is all that is left
    }
  }

  /** A helper that failed the launch exits by itself (or was killed): reap it off this thread. */
  private void reapWhenExited(Processes.Spawned spawned) {
    processes.onExit(spawned.pidfd()).thenRunAsync(() -> HelperContainer.reap(processes, spawned), executor);
  }

  private LaunchPlan withStdio(LaunchPlan plan, Stdio stdio) {
    if (plan.hasStdoutPath() && (plan.hasStdinPath() || stdio.stdin() == null)) {
      return plan;
    }
    LaunchPlan.Builder builder = plan.toBuilder();
    if (!plan.hasStdoutPath()) {
      builder.setStdoutPath(stdio.stdout() == null ? jvmStdout : stdio.stdout().toString());
    }
    if (!plan.hasStdinPath() && stdio.stdin() != null) {
      builder.setStdinPath(stdio.stdin().toString());
    }
    return builder.build();
  }

  private static InitProtocol.Line readFirstLine(InputStream status) {
    try {
      String line = InitProtocol.readLine(status);
      return line == null ? null : InitProtocol.parse(line);
    } catch (IOException e) {
      return null;
    }
  }

  /** Daemon threads for exit handling, created on first use and idle-timed out. */
  private static final class SharedExecutor {
    private static final AtomicInteger COUNT = new AtomicInteger();
    static final ExecutorService INSTANCE = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "corral-launcher-exit-" + COUNT.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }
}
