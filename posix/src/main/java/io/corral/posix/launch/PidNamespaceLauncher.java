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
import java.lang.ProcessBuilder.Redirect;
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
 * <p>Threads: {@code fork} blocks briefly (process spawn and one pipe read) and runs on the
 * caller's blocking dispatcher; exit handling runs on the given executor, never on the JDK's
 * process reaper thread. Stateless between calls; recovery of existing containers is the
 * caller's (it reopens a pidfd on the checkpointed init pid).
 */
public final class PidNamespaceLauncher implements Launcher {
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
    ProcessBuilder builder = new ProcessBuilder(helper.toString())
        .redirectInput(Redirect.PIPE)
        .redirectOutput(Redirect.PIPE)
        .redirectError(stdio.stderr() == null ? Redirect.INHERIT : Redirect.appendTo(stdio.stderr().toFile()));
    builder.environment().clear();
    Process process = start(builder);
    OutputStream sync = process.getOutputStream();
    InputStream status = process.getInputStream();
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
      if (first instanceof InitProtocol.Err err) {
        throw err.toException();
      }
      process.destroyForcibly();
      throw new LaunchException("init", null, "corral-init exited before cloning the init" + writeFailure);
    }
    int pidfd = -1;
    try {
      pidfd = processes.pidfdOpen(pid.pid());
    } catch (LinuxException e) {
      if (e.errno() != Errno.ESRCH) { // ESRCH: the init is already gone, release() reports it
        HelperContainer.closeQuietly(sync); // the init exits without the go byte
        HelperContainer.closeQuietly(status);
        throw new LaunchException("init", e.errno(), "Failed to open a pidfd for the init of '"
            + containerId + "': " + e.getMessage());
      }
    }
    boolean ownPidNamespace = complete.getCloneNamespacesList().contains(Namespace.PID);
    return new HelperContainer(process, sync, status, pid.pid(), pidfd, ownPidNamespace,
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
   * NOTE: a process forked elsewhere in this JVM while the helper was being installed may still
   * hold an inherited write descriptor to it for a moment, and exec then fails with ETXTBSY;
   * that window closes by itself, so it is retried a few times.
   */
  private Process start(ProcessBuilder builder) {
    for (int attempt = 1; ; attempt++) {
      try {
        return builder.start();
      } catch (IOException e) {
        String message = String.valueOf(e.getMessage());
        if (attempt == 3 || !message.contains("error=26,")) {
          throw new LaunchException("init", null, "Failed to start '" + helper + "': " + message);
        }
        Thread.yield();
      }
    }
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
