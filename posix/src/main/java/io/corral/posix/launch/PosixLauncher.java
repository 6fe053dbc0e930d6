package io.corral.posix.launch;

import io.corral.posix.ProcFs;
import io.corral.posix.Processes;
import io.corral.proto.v1.LaunchPlan;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Mesos' {@code PosixLauncher}: starts each container with the JDK's {@link ProcessBuilder}
 * alone, with no launch helper, namespace or cgroup, so it works wherever a JDK and a POSIX
 * shell do (and where {@code corral-init} was not built). Isolation is none; what is left is
 * accounting and a clean end.
 *
 * <p>The JDK cannot run code between fork and exec, so the container's init is a fixed POSIX
 * shell script (argv only, never a command string), {@code [setsid] /bin/sh -c SCRIPT}: where
 * {@code setsid} exists (util-linux) the container gets its own session and process group, so a
 * Ctrl-C on the agent's terminal does not reach it and its processes are found again after they
 * were orphaned. The shell waits for the go line on its stdin ({@link #fork} returns before the
 * command runs, as with {@code corral-init}), runs the command as its child with the plan's stdin,
 * records the command's wait status in the plan's {@code status_path} (temporary file, rename)
 * and exits with its exit code. Since the shell records it, a command that ends while no agent
 * runs still has its status for the next one.
 *
 * <p>What a plan may ask: environment, working directory, argv, stdin, stdout, and a user that
 * is the agent's own. Anything else (namespaces, mounts, rlimits, capabilities, cgroups, another
 * user) is refused at fork ({@link PosixPlans}); the isolators that would ask for it are
 * refused at start by the caller. Destroy kills the shell, the command and every process of the
 * tree and session ({@link ProcessControl}); an exit does the same for what the command left.
 *
 * <p>Recovery adopts a checkpointed init by pid, if it still names a process started at the
 * checkpointed time (from {@code /proc}; the pid alone without it). Threads: {@code fork} and
 * {@code recover} block briefly on the caller's blocking dispatcher; the end of a container runs
 * on a small shared pool of daemon threads. Stateless between calls.
 */
public final class PosixLauncher implements Launcher {
  /** The init: $1 the command's stdin, $2 the status file, then the command's argv. */
  static final String SCRIPT = String.join("\n",
      "IFS= read -r go || exit 125",
      "in=$1 status=$2",
      "shift 2",
      "trap : HUP INT TERM",
      "\"$@\" <\"$in\"",
      "s=$?",
      "if [ \"$s\" -gt 128 ] && [ \"$s\" -le 192 ]; then w=$((s - 128)); else w=$((s * 256)); fi",
      "printf '%d\\n' \"$w\" >\"$status.tmp\" && mv -f \"$status.tmp\" \"$status\"",
      "exit \"$s\"");
  /** argv[0] of the shell: the init's name in {@code ps}. */
  static final String INIT_NAME = "corral-posix-init";

  private static final List<Path> SETSID = List.of(Path.of("/usr/bin/setsid"), Path.of("/bin/setsid"));

  private final Optional<Path> setsid;
  private final Path shell;
  private final ProcessControl control;
  private final long uid;
  private final long gid;
  private final Executor executor;

  /** On Linux: signals, pidfds and the process table through the kernel facade. */
  public PosixLauncher(Processes processes, ProcFs proc, long uid, long gid) {
    this(findSetsid(), ProcessControl.linux(processes, proc), uid, gid);
  }

  /** With the JDK alone (any POSIX system): the process tree through {@link ProcessHandle}. */
  public PosixLauncher(long uid, long gid) {
    this(findSetsid(), ProcessControl.jdk(), uid, gid);
  }

  PosixLauncher(Optional<Path> setsid, ProcessControl control, long uid, long gid) {
    this.setsid = setsid;
    this.shell = Path.of("/bin/sh");
    this.control = control;
    this.uid = uid;
    this.gid = gid;
    this.executor = SharedExecutor.INSTANCE;
  }

  /** How containers are started and found, for the agent's start log. */
  public String describe() {
    return "'posix': each container's init is '" + shell + "' started by the JDK"
        + setsid.map(s -> " in its own session ('" + s + "')").orElse(" in the agent's session (no setsid)")
        + "; destroy kills " + control.describe();
  }

  @Override
  public LaunchedContainer fork(String containerId, LaunchPlan plan, Stdio stdio) {
    PosixPlans.refuseUnsupported(plan, uid, gid);
    PosixPlans.checkExecutable(plan);
    if (!plan.hasStatusPath()) {
      throw new LaunchException("plan", null, "the plan has no status_path");
    }
    Path statusPath = Path.of(plan.getStatusPath());
    ProcessBuilder builder = new ProcessBuilder(argv(plan, stdio));
    Map<String, String> env = builder.environment();
    env.clear();
    for (String entry : plan.getEnvironmentList()) {
      int eq = entry.indexOf('=');
      if (eq > 0) {
        env.put(entry.substring(0, eq), entry.substring(eq + 1));
      }
    }
    if (plan.hasWorkingDirectory()) {
      Path dir = Path.of(plan.getWorkingDirectory());
      if (!Files.isDirectory(dir)) {
        throw new LaunchException("chdir", io.corral.posix.Errno.ENOENT,
            "chdir '" + dir + "': ENOENT (No such file or directory)");
      }
      builder.directory(dir.toFile());
    }
    builder.redirectInput(ProcessBuilder.Redirect.PIPE);
    builder.redirectOutput(plan.hasStdoutPath() ? appendTo(Path.of(plan.getStdoutPath()))
        : stdio.stdout() == null ? ProcessBuilder.Redirect.INHERIT : appendTo(stdio.stdout()));
    builder.redirectError(stdio.stderr() == null ? ProcessBuilder.Redirect.INHERIT : appendTo(stdio.stderr()));
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new LaunchException("spawn", null, "Failed to start '" + shell + "' for container '"
          + containerId + "': " + e.getMessage());
    }
    return new PosixContainer(process.toHandle(), process.getOutputStream(),
        process.onExit().thenApply(p -> OptionalInt.of(p.exitValue())), statusPath, control, executor);
  }

  @Override
  public Optional<LaunchedContainer> recover(
      String containerId, LaunchPlan plan, int initPid, int helperPid, long initStartTicks) {
    Optional<ProcessHandle> handle = ProcessHandle.of(initPid);
    if (handle.isEmpty()) {
      return Optional.empty();
    }
    return control.adopt(initPid, initStartTicks, executor).map(exit -> new PosixContainer(handle.get(), null,
        exit.thenApply(v -> OptionalInt.empty()), Path.of(plan.getStatusPath()), control, executor));
  }

  private List<String> argv(LaunchPlan plan, Stdio stdio) {
    List<String> argv = new ArrayList<>();
    setsid.ifPresent(s -> argv.add(s.toString()));
    argv.addAll(List.of(shell.toString(), "-c", SCRIPT, INIT_NAME));
    argv.add(plan.hasStdinPath() ? plan.getStdinPath()
        : stdio.stdin() == null ? "/dev/null" : stdio.stdin().toString());
    argv.add(plan.getStatusPath());
    argv.addAll(plan.getArgvList());
    return argv;
  }

  private static ProcessBuilder.Redirect appendTo(Path file) {
    return ProcessBuilder.Redirect.appendTo(new File(file.toString()));
  }

  /** {@code setsid} of util-linux, where it is installed; it execs in place (same pid). */
  static Optional<Path> findSetsid() {
    return SETSID.stream().filter(Files::isExecutable).findFirst();
  }

  /** Daemon threads for the end of containers, created on first use and idle-timed out. */
  private static final class SharedExecutor {
    private static final AtomicInteger COUNT = new AtomicInteger();
    static final ExecutorService INSTANCE = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "corral-posix-launcher-" + COUNT.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }
}
