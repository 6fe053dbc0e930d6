package io.corral.posix.ps;

import io.corral.posix.ProcessTable;
import io.corral.posix.ProcessUsage;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@link ProcessTable} from the {@code ps} command, for hosts without {@code /proc} (macOS, the
 * BSDs): {@code ps -A -o pid= -o ppid= -o rss= -o time=}, options that POSIX defines and procps
 * and the BSD {@code ps} both accept ({@code rss}, in KiB, is not in POSIX but in both). One
 * {@code -o} per field, as POSIX puts a header's text to the end of its argument; empty headers
 * print no header line. {@code LC_ALL=C} keeps the decimal point of macOS's {@code time} a dot.
 * See {@link PsOutput} for the format.
 *
 * <p>{@code ps} gives one cpu time per process, user plus system, so {@link ProcessUsage#userCpuNanos}
 * stays empty. The JDK adds nothing here: {@code ProcessHandle.Info.totalCpuDuration} is the same
 * sum, and it knows neither resident memory nor the parent of a process in one snapshot.
 *
 * <p>A call runs {@code ps} once, without a shell, killed after the timeout; a call made while a
 * run is under way waits for that run and shares its snapshot (one usage request samples
 * {@code posix/cpu} and {@code posix/mem} of every container at once: one {@code ps}, not two per
 * container). Threading: any thread; the caller blocks; two daemon threads per run drain the
 * child's output.
 */
public final class PsProcessTable implements ProcessTable {
  /** The arguments after the command. */
  public static final List<String> ARGS = List.of("-A", "-o", "pid=", "-o", "ppid=", "-o", "rss=", "-o", "time=");
  /** How long a run may take by default. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
  private static final int MAX_ERROR = 4096;
  private static final ExecutorService READERS = Executors.newCachedThreadPool(task -> {
    Thread thread = new Thread(task, "corral-ps-reader");
    thread.setDaemon(true);
    return thread;
  });

  private final String command;
  private final Duration timeout;
  private final AtomicReference<CompletableFuture<List<ProcessUsage>>> running = new AtomicReference<>();
  private final AtomicInteger sharing = new AtomicInteger();

  /** {@code ps} on the agent's {@code PATH}, with {@link #DEFAULT_TIMEOUT}. */
  public PsProcessTable() {
    this("ps", DEFAULT_TIMEOUT);
  }

  /** {@code command} (a name on {@code PATH}, or a path), killed after {@code timeout}. */
  public PsProcessTable(String command, Duration timeout) {
    this.command = command;
    this.timeout = timeout;
  }

  @Override
  public String describe() {
    return "'" + String.join(" ", commandLine()) + "' (cpu time is user plus system in one number)";
  }

  List<String> commandLine() {
    List<String> line = new ArrayList<>(List.of(command));
    line.addAll(ARGS);
    return line;
  }

  /**
   * Runs {@code ps} once and checks that it lists this JVM's own process: what the agent does at
   * start, so that a missing or unusable {@code ps} stops it there rather than at every sample.
   *
   * @throws PsException saying why not
   */
  public PsProcessTable check() {
    long self = ProcessHandle.current().pid();
    if (processes().stream().noneMatch(p -> p.pid() == self)) {
      throw new PsException("Failed to read the process table: '" + command
          + "' does not list this process (" + self + ")");
    }
    return this;
  }

  @Override
  public List<ProcessUsage> processes() {
    CompletableFuture<List<ProcessUsage>> mine = new CompletableFuture<>();
    CompletableFuture<List<ProcessUsage>> other = running.compareAndExchange(null, mine);
    if (other != null) {
      return share(other);
    }
    try {
      List<ProcessUsage> table = PsOutput.parse(run());
      mine.complete(table);
      return table;
    } catch (RuntimeException e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      running.compareAndSet(mine, null);
    }
  }

  /** The snapshot of a run under way, or its failure. */
  private List<ProcessUsage> share(CompletableFuture<List<ProcessUsage>> run) {
    sharing.incrementAndGet();
    try {
      return run.join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof PsException ps ? new PsException(ps.getMessage(), ps)
          : new PsException("Failed to read the process table: " + e.getCause(), e.getCause());
    } finally {
      sharing.decrementAndGet();
    }
  }

  /** How many calls wait for a run under way (for tests). */
  int sharing() {
    return sharing.get();
  }

  /** The standard output of one successful run. */
  private String run() {
    ProcessBuilder builder = new ProcessBuilder(commandLine())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    builder.environment().put("LC_ALL", "C");
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new PsException("Failed to run '" + command + "': " + e.getMessage(), e);
    }
    Future<byte[]> out = READERS.submit(() -> process.getInputStream().readAllBytes());
    Future<byte[]> err = READERS.submit(() -> readUpTo(process.getErrorStream(), MAX_ERROR));
    try {
      if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        process.destroyForcibly();
        process.waitFor();
        throw new PsException("Failed to run '" + command + "': it did not finish within "
            + timeout.toMillis() + "ms and was killed");
      }
      String stdout = new String(out.get(), StandardCharsets.UTF_8);
      String stderr = new String(err.get(), StandardCharsets.UTF_8).strip();
      if (process.exitValue() != 0) {
        throw new PsException("Failed to run '" + command + "': it exited with status "
            + process.exitValue() + (stderr.isEmpty() ? "" : ": " + stderr));
      }
      return stdout;
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new PsException("Failed to run '" + command + "': interrupted", e);
    } catch (ExecutionException e) {
      throw new PsException("Failed to read the output of '" + command + "': " + e.getCause().getMessage(), e);
    }
  }

  private static byte[] readUpTo(InputStream in, int max) throws IOException {
    byte[] kept = in.readNBytes(max);
    in.transferTo(OutputStream.nullOutputStream()); // the rest, so that ps never blocks on it
    return kept;
  }
}
