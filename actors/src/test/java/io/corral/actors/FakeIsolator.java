package io.corral.actors;

import io.corral.isolators.ContainerContext;
import io.corral.isolators.Isolator;
import io.corral.isolators.IsolatorException;
import io.corral.isolators.Limitation;
import io.corral.proto.v1.ContainerStatus;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.ResourceStatistics;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * An isolator double in the manner of Mesos' MockIsolator: every phase succeeds by default and
 * records itself in a shared, ordered event list; a test makes a phase fail or throw, scripts
 * usage numbers, or completes a container's watch with a limitation.
 */
public final class FakeIsolator implements Isolator {
  private final String name;
  private final List<String> events;
  private final Map<String, CompletableFuture<Limitation>> watches = new ConcurrentHashMap<>();
  public volatile RuntimeException prepareFailure;
  /** When set, prepare blocks until it is counted down (a slow isolator). */
  public volatile java.util.concurrent.CountDownLatch prepareGate;
  /** Counted down when a gated prepare has started. */
  public final java.util.concurrent.CountDownLatch prepareEntered = new java.util.concurrent.CountDownLatch(1);
  /** The containers as prepare saw them. */
  public final List<ContainerContext> prepared = new java.util.concurrent.CopyOnWriteArrayList<>();
  public volatile RuntimeException isolateFailure;
  public volatile RuntimeException cleanupFailure;
  public volatile LaunchPlan fragment = LaunchPlan.getDefaultInstance();
  public volatile Consumer<ResourceStatistics.Builder> usage = statistics -> {};
  public volatile Consumer<ContainerStatus.Builder> status = builder -> {};
  /** Runs at the start of each cleanup with the container's name. */
  public volatile Consumer<String> atCleanup = container -> {};

  public FakeIsolator(String name, List<String> events) {
    this.name = name;
    this.events = events;
  }
  @Override
  public void recover(List<ContainerContext> recovered) {
    recovered.forEach(c -> events.add("recover " + name + " " + c.name()));
  }


  /** An expected refusal, as an isolator reports it. */
  public static IsolatorException refusal(String message) {
    return new IsolatorException(message);
  }

  /** When set, name() throws: a broken isolator that makes the container actor fail at start. */
  volatile boolean nameThrows;
  /** The threads name() was called on (container and isolator actors call it). */
  final java.util.Set<String> nameThreads = java.util.concurrent.ConcurrentHashMap.newKeySet();

  @Override
  public String name() {
    nameThreads.add(Thread.currentThread().getName());
    if (nameThrows) {
      throw new IllegalStateException("broken isolator");
    }
    return name;
  }

  @Override
  public LaunchPlan prepare(ContainerContext container) {
    events.add("prepare " + name + " " + container.name());
    prepared.add(container);
    if (prepareGate != null) {
      prepareEntered.countDown();
      try {
        prepareGate.await(30, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (prepareFailure != null) {
      throw prepareFailure;
    }
    return fragment;
  }

  @Override
  public void isolate(ContainerContext container, int pid) {
    events.add("isolate " + name + " " + container.name());
    if (isolateFailure != null) {
      throw isolateFailure;
    }
  }

  @Override
  public CompletionStage<Limitation> watch(ContainerContext container) {
    events.add("watch " + name + " " + container.name());
    return watchOf(container.name());
  }

  public CompletableFuture<Limitation> watchOf(String id) {
    return watches.computeIfAbsent(id, k -> new CompletableFuture<>());
  }

  @Override
  public void usage(ContainerContext container, ResourceStatistics.Builder statistics) {
    usage.accept(statistics);
  }

  @Override
  public void status(ContainerContext container, ContainerStatus.Builder builder) {
    status.accept(builder);
  }

  /** When set, update throws it. */
  volatile RuntimeException updateFailure;

  @Override
  public void update(ContainerContext container, List<io.corral.proto.v1.Resource> requests,
      Map<String, Double> limits) {
    events.add("update " + name + " " + container.name());
    if (updateFailure != null) {
      throw updateFailure;
    }
  }

  @Override
  public void cleanup(ContainerContext container) {
    events.add("cleanup " + name + " " + container.name());
    atCleanup.accept(container.name());
    if (cleanupFailure != null) {
      throw cleanupFailure;
    }
  }
}
