package io.corral.posix.du;

import io.corral.posix.LinuxException;
import io.corral.posix.Processes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Du} as the real {@code du -k -s -x --exclude=<path>... <root>} child process (GNU
 * coreutils), without a shell: the command is found on the agent's {@code PATH} (or is an
 * absolute path). {@code -x} keeps it on the sandbox's filesystem, and every exclude (the mount
 * points under the sandbox) keeps a bind mount of the same filesystem from being counted twice.
 *
 * <p>Priority: every {@code du} is spawned by one dedicated thread that lowered itself once to
 * nice 19 and the idle I/O class ({@link Processes#lowerCallingThreadPriority}); a child
 * inherits both from the thread that forks it, so {@code du} runs at low priority from its first
 * instruction, with no wrapper process and no window at normal priority.
 *
 * <p>Threading: {@link #start} hands the spawn to that thread and waits for it (a fork and exec);
 * {@link Run#await} blocks its caller; a timer thread kills runs past their timeout;
 * {@link Run#kill} works from any thread. Owns two daemon threads for the agent's lifetime.
 */
public final class ProcessDu implements Du {
  private static final Logger LOG = LoggerFactory.getLogger(ProcessDu.class);
  /** du prints one line; more (stderr is merged) is kept only up to this, for the message. */
  private static final int MAX_OUTPUT = 16 * 1024;
  /** How long a kill waits for the killed process to be reaped. */
  private static final long REAP_SECONDS = 10;

  private final String command;
  private final ExecutorService spawner;
  private final ScheduledExecutorService timer;

  /** Runs {@code command} (a name on {@code PATH}, or a path) with {@code processes} for priorities. */
  public ProcessDu(String command, Processes processes) {
    this.command = command;
    this.spawner = Executors.newSingleThreadExecutor(task -> daemon("corral-du-spawner", () -> {
      try {
        processes.lowerCallingThreadPriority();
      } catch (LinuxException e) {
        LOG.warn("Failed to lower the priority of 'du': {}; it runs at normal priority", e.getMessage());
      }
      task.run();
    }));
    this.timer = Executors.newSingleThreadScheduledExecutor(task -> daemon("corral-du-timer", task));
  }

  private static Thread daemon(String name, Runnable body) {
    Thread thread = new Thread(body, name);
    thread.setDaemon(true);
    return thread;
  }

  /** The command line for {@code root}: {@code du -k -s -x --exclude=...} then the root. */
  List<String> commandLine(Path root, List<Path> excludes) {
    List<String> line = new ArrayList<>(List.of(command, "-k", "-s", "-x"));
    for (Path exclude : excludes) {
      line.add("--exclude=" + escape(exclude.toString()));
    }
    line.add(root.toString());
    return line;
  }

  /** du matches excludes as shell patterns against the whole path: escape the pattern characters. */
  static String escape(String path) {
    return path.replaceAll("([\\\\*?\\[\\]])", "\\\\$1");
  }

  @Override
  public Run start(Path root, List<Path> excludes) {
    ProcessBuilder builder = new ProcessBuilder(commandLine(root, excludes))
        .redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    try {
      return new ProcessRun(root, spawner.submit(builder::start).get());
    } catch (ExecutionException e) {
      throw new DuException(DuException.Kind.FAILED, "Failed to measure disk usage of '" + root
          + "': failed to run '" + command + "': " + e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DuException(DuException.Kind.KILLED, "Failed to measure disk usage of '" + root
          + "': interrupted before '" + command + "' started", e);
    }
  }

  private final class ProcessRun implements Run {
    private final Path root;
    private final Process process;
    private volatile boolean killed;
    private volatile boolean timedOut;

    ProcessRun(Path root, Process process) {
      this.root = root;
      this.process = process;
    }

    @Override
    public long await(Duration timeout) {
      ScheduledFuture<?> deadline = timer.schedule(() -> {
        timedOut = true;
        killTree();
      }, timeout.toNanos(), TimeUnit.NANOSECONDS);
      String output;
      int status;
      try {
        output = read(process.getInputStream());
        status = process.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        kill();
        throw new DuException(DuException.Kind.KILLED, failure("interrupted"), e);
      } finally {
        deadline.cancel(false);
      }
      if (killed) {
        throw new DuException(DuException.Kind.KILLED, failure("'" + command + "' was killed"));
      }
      if (timedOut) {
        throw new DuException(DuException.Kind.TIMED_OUT, failure("'" + command
            + "' did not finish within " + timeout.toMillis() + "ms and was killed"));
      }
      if (status != 0) {
        throw new DuException(DuException.Kind.FAILED, failure("'" + command
            + "' exited with status " + status + ": " + firstLine(output)));
      }
      return parse(output);
    }

    private long parse(String output) {
      String trimmed = output.strip();
      String first = trimmed.substring(trimmed.lastIndexOf('\n') + 1);
      int end = 0;
      while (end < first.length() && Character.isDigit(first.charAt(end))) {
        end++;
      }
      if (end == 0 || end > 18 || (end < first.length() && !Character.isWhitespace(first.charAt(end)))) {
        throw new DuException(DuException.Kind.FAILED, failure("unexpected output of '" + command
            + "': '" + first + "'"));
      }
      return Long.parseLong(first.substring(0, end));
    }

    private String failure(String cause) {
      return "Failed to measure disk usage of '" + root + "': " + cause;
    }

    @Override
    public void kill() {
      killed = true;
      killTree();
      try {
        if (!process.waitFor(REAP_SECONDS, TimeUnit.SECONDS)) {
          LOG.warn("'{}' (pid {}) measuring '{}' did not die within {}s of SIGKILL", command,
              process.pid(), root, REAP_SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    /** SIGKILL to the children first (a wrapper's child would hold the pipe open), then du. */
    private void killTree() {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
  }

  private static String read(InputStream in) {
    byte[] kept = new byte[MAX_OUTPUT];
    int length = 0;
    byte[] buffer = new byte[4096];
    try (in) {
      int n;
      while ((n = in.read(buffer)) >= 0) {
        int copy = Math.min(n, kept.length - length);
        System.arraycopy(buffer, 0, kept, length, copy);
        length += copy;
      }
    } catch (IOException e) {
      // The pipe broke because the process was killed: the exit status tells the rest.
      LOG.debug("Reading du output failed: {}", e.getMessage());
    }
    return new String(kept, 0, length, StandardCharsets.UTF_8);
  }

  private static String firstLine(String output) {
    String trimmed = output.strip();
    int newline = trimmed.indexOf('\n');
    return newline < 0 ? trimmed : trimmed.substring(0, newline);
  }
}
