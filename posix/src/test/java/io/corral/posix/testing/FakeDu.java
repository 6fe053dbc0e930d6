package io.corral.posix.testing;

import io.corral.posix.du.Du;
import io.corral.posix.du.DuException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A scripted {@link Du}: each run takes the next scripted outcome (a usage in KiB, a failure,
 * or a hang that lasts until the run is killed); with the script empty, a run reports the last
 * usage scripted (0 at first). Records every start and the timeout each run was awaited with,
 * and hands started runs to a test through {@link #nextStart}. Thread-safe.
 */
public final class FakeDu implements Du {

  /** One started run: what it measures, and its handle. */
  public record Started(Path root, List<Path> excludes, FakeRun run) {}

  private sealed interface Outcome permits Usage, Failure, Hang {}

  private record Usage(long kib) implements Outcome {}

  private record Failure(DuException.Kind kind, String message) implements Outcome {}

  private record Hang() implements Outcome {}

  private final Deque<Outcome> script = new ArrayDeque<>();
  private final List<Started> starts = new ArrayList<>();
  private final LinkedBlockingQueue<Started> fresh = new LinkedBlockingQueue<>();
  private long lastKib;
  private int live;

  /** The next run reports {@code kib} KiB. */
  public synchronized FakeDu answer(long kib) {
    script.add(new Usage(kib));
    return this;
  }

  /** The next run fails with {@code message}. */
  public synchronized FakeDu fail(DuException.Kind kind, String message) {
    script.add(new Failure(kind, message));
    return this;
  }

  /** The next run hangs until it is killed. */
  public synchronized FakeDu hang() {
    script.add(new Hang());
    return this;
  }

  @Override
  public synchronized Run start(Path root, List<Path> excludes) {
    Outcome outcome = script.isEmpty() ? new Usage(lastKib) : script.poll();
    if (outcome instanceof Usage u) {
      lastKib = u.kib();
    }
    live++;
    Started started = new Started(root, List.copyOf(excludes), new FakeRun(outcome));
    starts.add(started);
    fresh.add(started);
    return started.run();
  }

  /** Every run started so far. */
  public synchronized List<Started> starts() {
    return List.copyOf(starts);
  }

  /** Runs started and neither finished nor killed. */
  public synchronized int live() {
    return live;
  }

  /** The next run started since the last call, waiting up to {@code timeout} for it. */
  public Started nextStart(Duration timeout) throws InterruptedException {
    Started started = fresh.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (started == null) {
      throw new AssertionError("no du run started within " + timeout);
    }
    return started;
  }

  /** Asserts that no run starts within {@code period} (a wait, not a clock assertion). */
  public void expectNoStart(Duration period) throws InterruptedException {
    Started started = fresh.poll(period.toMillis(), TimeUnit.MILLISECONDS);
    if (started != null) {
      throw new AssertionError("unexpected du run of '" + started.root() + "'");
    }
  }

  /** Waits up to {@code timeout} until exactly {@code count} runs are live. */
  public synchronized void awaitLive(int count, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (live != count) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError(live + " du runs live, expected " + count);
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
  }

  /** A run of the fake: finishes as scripted, or when killed. */
  public final class FakeRun implements Run {
    private final Outcome outcome;
    private final CompletableFuture<Void> killed = new CompletableFuture<>();
    private volatile Duration awaitedWith;
    private boolean ended;

    FakeRun(Outcome outcome) {
      this.outcome = outcome;
    }

    /** The timeout {@link #await} was called with, or null. */
    public Duration awaitedWith() {
      return awaitedWith;
    }

    public boolean killed() {
      return killed.isDone();
    }

    @Override
    public long await(Duration timeout) {
      awaitedWith = timeout;
      try {
        if (outcome instanceof Hang) {
          try {
            killed.get();
          } catch (InterruptedException | ExecutionException e) {
            throw new DuException(DuException.Kind.KILLED, "interrupted", e);
          }
        }
        if (killed.isDone()) {
          throw new DuException(DuException.Kind.KILLED, "killed");
        }
        if (outcome instanceof Failure f) {
          throw new DuException(f.kind(), f.message());
        }
        return ((Usage) outcome).kib();
      } finally {
        end();
      }
    }

    @Override
    public void kill() {
      killed.complete(null);
      end();
    }

    private void end() {
      synchronized (FakeDu.this) {
        if (!ended) {
          ended = true;
          live--;
          FakeDu.this.notifyAll();
        }
      }
    }
  }
}
