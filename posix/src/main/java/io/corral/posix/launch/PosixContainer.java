package io.corral.posix.launch;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One container of {@link PosixLauncher}: its init is the launcher's shell (the process the JDK
 * started, or one a previous agent started and this one adopted), which waits for the go line,
 * runs the command as its child and records the command's wait status. {@code release},
 * {@code abort}, {@code signal} and {@code kill} are called from the caller's blocking threads;
 * the end runs on the launcher's executor: the status (the one the shell recorded, else SIGKILL
 * when the container was killed, else what the JDK saw of the shell), then every process left
 * in the container's tree or session is killed (the shell kills nothing the command left behind,
 * Mesos destroys the session), and the status is written where the shell writes it when the
 * shell could not.
 */
final class PosixContainer implements LaunchedContainer {
  private static final Logger LOG = LoggerFactory.getLogger(PosixContainer.class);

  private final ProcessHandle init;
  private final OutputStream gate; // the shell's stdin; null for an adopted init
  private final ProcessControl control;
  private volatile boolean killed;
  private final CompletableFuture<Integer> exited;

  /**
   * @param exit completes with the shell's exit value as the JDK reports it (empty when this JVM
   *     is not its parent) once it has exited
   */
  PosixContainer(ProcessHandle init, OutputStream gate, CompletableFuture<OptionalInt> exit,
      Path statusPath, ProcessControl control, Executor executor) {
    this.init = init;
    this.gate = gate;
    this.control = control;
    this.exited = exit.thenApplyAsync(value -> finish(value, statusPath), executor);
  }

  @Override
  public int initPid() {
    return (int) init.pid();
  }

  /** There is no helper: the shell is the init. */
  @Override
  public int helperPid() {
    return (int) init.pid();
  }

  @Override
  public void release() {
    if (gate == null) {
      return;
    }
    try {
      gate.write("go\n".getBytes(StandardCharsets.US_ASCII));
      gate.close();
    } catch (IOException e) {
      throw LaunchException.exitedBeforeExec(); // the shell is gone: killed meanwhile
    }
  }

  @Override
  public void abort() {
    if (gate != null) {
      try {
        gate.close(); // end of file instead of the go line: the shell exits
      } catch (IOException e) {
        // gone already
      }
    }
  }

  /** To the command (the shell's children), as corral-init forwards it; to the shell before it runs one. */
  @Override
  public void signal(int signal) {
    if (exited.isDone()) {
      return;
    }
    List<ProcessHandle> command = ProcessControl.children(init.pid());
    if (command.isEmpty()) {
      if (init.isAlive()) {
        control.signal(init.pid(), signal);
      }
      return;
    }
    command.forEach(c -> control.signal(c.pid(), signal));
  }

  @Override
  public void kill() {
    killed = true;
    if (!exited.isDone()) {
      control.killAll(init);
    }
  }

  @Override
  public CompletableFuture<Integer> exited() {
    return exited;
  }

  private int finish(OptionalInt exitValue, Path statusPath) {
    OptionalInt recorded = Leftovers.readStatus(statusPath);
    control.killAll(init);
    control.awaitGone(init);
    if (recorded.isPresent()) {
      return recorded.getAsInt();
    }
    int status = killed || exitValue.isEmpty() ? ProcessControl.SIGKILL : waitStatus(exitValue.getAsInt());
    write(statusPath, status);
    return status;
  }

  /**
   * The raw wait status for an exit value as the JDK and POSIX shells report one: 128 + the
   * signal (up to 64) for a death by signal, the exit code otherwise. An exit code of 129 to 192
   * reads as a signal: neither reports more.
   */
  static int waitStatus(int exitValue) {
    return exitValue > 128 && exitValue <= 128 + 64 ? exitValue - 128 : (exitValue & 0xff) << 8;
  }

  /** Writes the status atomically (temporary file, rename), as the shell does. */
  private static void write(Path statusPath, int status) {
    Path tmp = statusPath.resolveSibling(statusPath.getFileName() + ".tmp");
    try {
      Files.writeString(tmp, status + "\n");
      Files.move(tmp, statusPath, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      LOG.warn("Failed to record the status in '{}': {}", statusPath, e.toString());
    }
  }
}
