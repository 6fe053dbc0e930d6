package io.corral.actors;

import io.corral.posix.launch.LaunchException;
import io.corral.posix.launch.LaunchedContainer;
import io.corral.posix.launch.Launcher;
import io.corral.posix.launch.Stdio;
import io.corral.proto.v1.LaunchPlan;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A launcher double: {@code fork} returns a {@link Scripted} container whose {@code exited()}
 * the test completes (kill completes it with 9, abort with an exit of 1, as the real helper
 * does). Every call is recorded in the shared event list; fork and release can be scripted to
 * throw a {@link LaunchException}.
 */
public final class ScriptedLauncher implements Launcher {
  private final List<String> events;
  private final AtomicInteger pids = new AtomicInteger(1000);
  final Map<String, List<Scripted>> forked = new ConcurrentHashMap<>();
  public final Map<String, LaunchPlan> plans = new ConcurrentHashMap<>();
  public volatile LaunchException forkFailure;
  public volatile LaunchException releaseFailure;
  /** When set, release blocks until the container is killed (as a helper that never execs). */
  public volatile boolean releaseHangs;
  /** When set, the command exits with this status before release returns (a very short command). */
  volatile Integer exitDuringRelease;
  /** When set, abort does not make the init exit (a helper stuck before reading the sync pipe). */
  volatile boolean abortIgnored;

  public ScriptedLauncher(List<String> events) {
    this.events = events;
  }

  /** The shared event list. */
  List<String> events() {
    return events;
  }

  @Override
  public LaunchedContainer fork(String containerId, LaunchPlan plan, Stdio stdio) {
    events.add("fork " + containerId);
    if (forkFailure != null) {
      throw forkFailure;
    }
    plans.put(containerId, plan);
    Scripted container = new Scripted(containerId, pids.incrementAndGet());
    forked.computeIfAbsent(containerId, k -> new CopyOnWriteArrayList<>()).add(container);
    return container;
  }

  /**
   * Adopts the last container forked for {@code containerId} if it has not exited (as a pidfd on
   * a live init would): the same {@link Scripted}, so the test still drives its exit.
   */
  @Override
  public java.util.Optional<LaunchedContainer> recover(
      String containerId, LaunchPlan plan, int initPid, int helperPid, long initStartTicks) {
    events.add("recover " + containerId);
    List<Scripted> all = forked.getOrDefault(containerId, List.of());
    return all.stream().filter(c -> c.initPid() == initPid && !c.exited.isDone())
        .<LaunchedContainer>map(c -> c).findFirst();
  }

  /** The one container forked for {@code id}. */
  public Scripted only(String id) {
    List<Scripted> all = forked.get(id);
    if (all == null || all.size() != 1) {
      throw new AssertionError("expected one fork of '" + id + "', got " + all);
    }
    return all.get(0);
  }

  public final class Scripted implements LaunchedContainer {
    private final String id;
    private final int pid;
    public final CompletableFuture<Integer> exited = new CompletableFuture<>();
    private final CompletableFuture<Void> killed = new CompletableFuture<>();

    Scripted(String id, int pid) {
      this.id = id;
      this.pid = pid;
    }

    @Override
    public int initPid() {
      return pid;
    }

    @Override
    public int helperPid() {
      return pid - 1;
    }

    @Override
    public void release() {
      events.add("release " + id);
      if (releaseFailure != null) {
        throw releaseFailure;
      }
      if (exitDuringRelease != null) {
        exited.complete(exitDuringRelease);
      }
      if (releaseHangs) {
        killed.join();
        throw new LaunchException("init", null, "init: the helper exited before exec");
      }
    }

    @Override
    public void abort() {
      events.add("abort " + id);
      if (!abortIgnored) {
        exited.complete(256);
      }
    }

    @Override
    public void signal(int signal) {
      events.add("signal " + signal + " " + id);
    }

    @Override
    public void kill() {
      events.add("kill " + id);
      exited.complete(9);
      killed.complete(null);
    }

    @Override
    public CompletableFuture<Integer> exited() {
      return exited;
    }
  }
}
