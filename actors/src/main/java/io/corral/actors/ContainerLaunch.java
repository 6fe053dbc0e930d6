package io.corral.actors;

import io.corral.actors.ContainerActor.Command;
import io.corral.actors.IsolatorProtocol.Failed;
import io.corral.actors.IsolatorProtocol.Isolated;
import io.corral.actors.IsolatorProtocol.LimitationReached;
import io.corral.actors.IsolatorProtocol.Prepared;
import io.corral.actors.LauncherActor.ForkFailed;
import io.corral.actors.LauncherActor.Forked;
import io.corral.actors.LauncherActor.ProcessExited;
import io.corral.actors.LauncherActor.ReleaseFailed;
import io.corral.actors.LauncherActor.Released;
import io.corral.isolators.ContainerContext;
import io.corral.isolators.Isolator;
import io.corral.isolators.IsolatorException;
import io.corral.isolators.LaunchPlans;
import io.corral.isolators.Limitation;
import io.corral.posix.launch.LaunchException;
import io.corral.posix.launch.Stdio;
import io.corral.proto.v1.ContainerStatus;
import io.corral.proto.v1.ContainerTermination;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.ResourceStatistics;
import io.corral.proto.v1.TaskState;
import io.corral.proto.v1.TaskStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.slf4j.Logger;

/**
 * The launching half of {@link ContainerActor}: its state and the PREPARING and ISOLATING
 * behaviors. PREPARING creates the sandbox and runtime directory, checkpoints the config,
 * prepares every isolator serially in order and assembles the plan; ISOLATING checkpoints the
 * config again with the plan, forks the init and checkpoints its pids (all three on the fork's
 * blocking thread, see {@link LauncherActor.BeforeFork} and {@link LauncherActor.AfterFork}),
 * arms every isolator's watch, isolates on all of them in parallel and
 * releases the init, which makes the container RUNNING. Any failure destroys the container with
 * a REASON_CONTAINER_LAUNCH_FAILED termination.
 *
 * <p>Threading: the container actor's own, never blocking.
 */
abstract class ContainerLaunch {
  /** One isolator of this container and the actor that runs it. */
  record IsolatorRef(String name, ActorRef<IsolatorProtocol.Command> ref) {}

  private record DirsCreated(Optional<String> error) implements Command {}

  /** The launch did not reach exec within {@code launchTimeout}. */
  private enum LaunchTimedOut implements Command { INSTANCE }

  /** A file system step, run on the blocking dispatcher. */
  interface IoStep {
    void run() throws IOException;
  }

  final ActorContext<Command> context;
  final TimerScheduler<Command> timers;
  final ContainerizerSettings settings;
  final Paths paths;
  final ContainerContext container;
  final Stdio stdio;
  final ActorRef<Containerizer.Command> root;
  final ActorRef<LauncherActor.Command> launcher;
  final List<IsolatorRef> isolators = new ArrayList<>();
  final IsolatorUpdate.InUse inUse;
  private final Executor blocking;
  private final List<Map.Entry<String, LaunchPlan>> fragments = new ArrayList<>();
  ActorRef<Containerizer.LaunchReply> launchReplyTo;
  ContainerError launchError;
  ContainerState state = ContainerState.PROVISIONING;
  private long since = System.nanoTime();
  private final long provisionedAt = since;
  ContainerTermination.Builder pending = ContainerTermination.newBuilder();
  ContainerTermination termination;
  /** How many isolators were asked to prepare: these, and only these, are cleaned up. */
  int prepared;
  private int isolating;
  private LaunchPlan plan;
  boolean forkPending;
  boolean forked;
  boolean releaseStarted;
  boolean exited;
  Optional<Integer> exitStatus = Optional.empty();
  private int initPid;

  /**
   * What a container actor is made of: its actor context and timers, the containerizer's
   * settings and paths, the container, its stdio, who waits for the launch reply (null when
   * recovered), the containerizer, and whether the container outlives the actor.
   */
  record Setup(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      ContainerizerSettings settings,
      Paths paths,
      ContainerContext container,
      Stdio stdio,
      ActorRef<Containerizer.LaunchReply> replyTo,
      ActorRef<Containerizer.Command> root,
      boolean detached) {}

  ContainerLaunch(Setup setup) {
    ActorContext<Command> context = setup.context();
    ContainerizerSettings settings = setup.settings();
    ContainerContext container = setup.container();
    boolean detached = setup.detached();
    this.context = context;
    this.timers = setup.timers();
    this.settings = settings;
    this.paths = setup.paths();
    this.container = container;
    this.inUse = new IsolatorUpdate.InUse(container.launch());
    this.stdio = setup.stdio();
    this.launchReplyTo = setup.replyTo();
    this.root = setup.root();
    settings.metrics().transitioned(null, state);
    this.blocking = context.getSystem().dispatchers()
        .lookup(DispatcherSelector.fromConfig(IsolatorActor.BLOCKING_DISPATCHER));
    this.launcher = context.spawn(
        LauncherActor.create(id(), settings.launcher(), context.getSelf().narrow(), !detached), "launcher",
        ContainerizerActor.CHILD);
    int index = 0;
    for (Isolator isolator : settings.isolators()) {
      String name = "isolator-" + index++ + "-" + isolator.name().replaceAll("[^A-Za-z0-9_-]", "_");
      isolators.add(new IsolatorRef(isolator.name(), context.spawn(
          IsolatorActor.create(isolator, container, settings.isolatorPhaseTimeout(), context.getSelf().narrow(),
              settings.metrics()), name, ContainerizerActor.CHILD)));
    }
  }

  abstract Behavior<Command> running();

  abstract Behavior<Command> destroy(ContainerTermination.Builder termination);

  abstract Behavior<Command> common(BehaviorBuilder<Command> builder);

  // ---- PREPARING -----------------------------------------------------------------------------

  Behavior<Command> start() {
    transition(ContainerState.PREPARING);
    io(() -> {
      Checkpoints.createDirectories(container);
      Paths.checkpoint(paths.config(id()), Checkpoints.config(container, settings.isolators(), null));
    }, DirsCreated::new);
    return preparing();
  }

  private Behavior<Command> preparing() {
    return common(BehaviorBuilder.<Command>create()
        .onMessage(DirsCreated.class, this::onDirsCreated)
        .onMessage(Prepared.class, this::onPrepared)
        .onMessage(Failed.class, this::onIsolatorFailed));
  }

  private Behavior<Command> onDirsCreated(DirsCreated created) {
    if (created.error().isPresent()) {
      return failLaunch(new ContainerError.Internal("Failed to create sandbox '" + container.sandbox()
          + "' and runtime directory '" + container.runtimeDir() + "': " + created.error().get()), null);
    }
    return prepareNext();
  }

  private Behavior<Command> onPrepared(Prepared result) {
    if (prepared == 0 || !isolators.get(prepared - 1).name().equals(result.isolator())) {
      return Behaviors.same();
    }
    fragments.add(new AbstractMap.SimpleImmutableEntry<>(result.isolator(), result.fragment()));
    return prepareNext();
  }

  private Behavior<Command> prepareNext() {
    if (prepared < isolators.size()) {
      isolators.get(prepared++).ref().tell(new IsolatorProtocol.Prepare(context.getSelf().narrow()));
      return Behaviors.same();
    }
    try {
      plan = LaunchPlans.complete(LaunchPlans.merge(fragments), container.launch().getCommand())
          .toBuilder().setVersion(1).setStatusPath(paths.status(id()).toString()).build();
    } catch (IsolatorException e) {
      return failLaunch(new ContainerError.LaunchFailed(e.getMessage()), null);
    }
    // The config with the plan is written on the fork's thread just before the fork (see
    // LauncherActor.BeforeFork): ISOLATING starts as it is written, and a failure to write it
    // fails the launch before anything is forked, as it did from PREPARING.
    LaunchPlan checkpointed = plan;
    transition(ContainerState.ISOLATING);
    if (settings.launchTimeout() != null) {
      timers.startSingleTimer(LaunchTimedOut.INSTANCE, settings.launchTimeout());
    }
    forkPending = true;
    launcher.tell(new LauncherActor.Fork(plan, stdio,
        () -> Paths.checkpoint(paths.config(id()), Checkpoints.config(container, settings.isolators(), checkpointed)),
        (init, helper) -> Paths.checkpoint(paths.pids(id()),
            Checkpoints.pids(init, helper, Checkpoints.startTicks(settings.linux(), init)))));
    return isolating();
  }

  // ---- ISOLATING -----------------------------------------------------------------------------

  private Behavior<Command> isolating() {
    return common(BehaviorBuilder.<Command>create()
        .onMessage(Forked.class, this::onForked)
        .onMessage(ForkFailed.class, this::onForkFailed)
        .onMessage(LauncherActor.BeforeForkFailed.class, failed -> {
          forkPending = false;
          return failLaunch(new ContainerError.Internal(
              "Failed to checkpoint '" + paths.config(id()) + "': " + failed.error()), null);
        })
        .onMessage(Isolated.class, this::onIsolated)
        .onMessage(Failed.class, this::onIsolatorFailed)
        .onMessage(LimitationReached.class, l -> failLaunch(
            new ContainerError.LimitationReached(l.limitation()), limitation(l.limitation())))
        .onMessage(Released.class, r -> onReleased())
        .onMessage(ReleaseFailed.class, f -> failLaunch(new ContainerError.LaunchFailed(f.message()), null))
        .onMessage(ProcessExited.class, this::onExitedWhileIsolating)
        .onMessageEquals(LaunchTimedOut.INSTANCE, () -> failLaunch(new ContainerError.LaunchFailed(
            "exec did not happen within " + settings.launchTimeout().toMillis() + "ms"), null)));
  }

  private Behavior<Command> onForkFailed(ForkFailed failed) {
    forkPending = false;
    return failLaunch(new ContainerError.LaunchFailed(failed.message()), null);
  }

  /** The launcher has checkpointed the pids on the fork's thread (see {@link LauncherActor.AfterFork}). */
  Behavior<Command> onForked(Forked forked) {
    onForked(forked.initPid(), forked.helperPid());
    if (forked.afterForkError().isPresent()) {
      return failLaunch(new ContainerError.Internal(
          "Failed to checkpoint '" + paths.pids(id()) + "': " + forked.afterForkError().get()), null);
    }
    ActorRef<IsolatorProtocol.Reply> self = context.getSelf().narrow();
    isolators.forEach(i -> i.ref().tell(new IsolatorProtocol.Watch(self)));
    isolating = isolators.size();
    isolators.forEach(i -> i.ref().tell(new IsolatorProtocol.Isolate(initPid, self)));
    return isolating == 0 ? release() : Behaviors.same();
  }

  void onForked(int init, int helper) {
    forkPending = false;
    forked = true;
    initPid = init;
  }

  private Behavior<Command> onIsolated(Isolated isolated) {
    return --isolating == 0 ? release() : Behaviors.same();
  }

  private Behavior<Command> release() {
    releaseStarted = true;
    launcher.tell(LauncherActor.Release.INSTANCE);
    return Behaviors.same();
  }

  /**
   * NOTE: a command as short as {@code true} may exit before the release call returns, so the
   * exit can arrive first; once released, the release's answer decides whether it launched.
   */
  private Behavior<Command> onExitedWhileIsolating(ProcessExited exit) {
    recordExit(exit);
    return releaseStarted ? Behaviors.same()
        : failLaunch(
            new ContainerError.LaunchFailed(LaunchException.exitedBeforeExec().getMessage()), null);
  }

  private Behavior<Command> onReleased() {
    timers.cancel(LaunchTimedOut.INSTANCE);
    transition(ContainerState.RUNNING);
    settings.metrics().launched(System.nanoTime() - provisionedAt);
    launchReplyTo.tell(new Containerizer.Launched(container.id()));
    launchReplyTo = null;
    return exited ? destroy(null) : running();
  }

  private Behavior<Command> onIsolatorFailed(Failed failed) {
    return failLaunch(new ContainerError.IsolatorFailed(failed.isolator(), failed.phase(), failed.message()), null);
  }

  /**
   * Destroys a container whose launch failed: the launch is answered with {@code error} once
   * TERMINATED, and the termination says why (or is {@code termination} when given).
   */
  Behavior<Command> failLaunch(ContainerError error, ContainerTermination.Builder termination) {
    if (launchError == null) {
      launchError = error;
    }
    String detail = error instanceof ContainerError.LaunchFailed l ? l.detail() : error.message();
    return destroy(termination != null ? termination : ContainerTermination.newBuilder()
        .setState(TaskState.TASK_FAILED)
        .setReason(TaskStatus.Reason.REASON_CONTAINER_LAUNCH_FAILED)
        .setMessage("Failed to launch container: " + detail));
  }

  /** A bug in a handler (see {@link Containment}): fail the launch, or destroy a running container. */
  final Behavior<Command> onCrashed(ContainerActor.Crashed crashed) {
    return switch (state) {
      case PROVISIONING, PREPARING, ISOLATING, FETCHING ->
          failLaunch(new ContainerError.Internal(crashed.detail()), null);
      case RUNNING -> destroy(io.corral.proto.v1.ContainerTermination.newBuilder()
          .setState(io.corral.proto.v1.TaskState.TASK_FAILED)
          .setMessage("Failed to run container: " + crashed.detail()));
      case DESTROYING, TERMINATED -> Behaviors.same();
    };
  }

  static ContainerTermination.Builder limitation(Limitation limitation) {
    ContainerTermination.Builder termination = ContainerTermination.newBuilder()
        .setState(TaskState.TASK_FAILED)
        .setMessage(limitation.message())
        .addAllLimitedResources(limitation.resources());
    if (limitation.reason() != null) {
      termination.setReason(limitation.reason());
    }
    return termination;
  }

  void recordExit(ProcessExited exit) {
    exited = true;
    if (exit.status().isPresent()) {
      exitStatus = exit.status();
    }
  }

  // ---- Shared helpers ------------------------------------------------------------------------

  final String id() {
    return container.name();
  }

  final Logger log() {
    return context.getLog();
  }

  /** Logs the transition and tells the root the new state. */
  final void transition(ContainerState to) {
    long now = System.nanoTime();
    log().info("Transitioning container [{}] from {} to {} after {}ms", id(), state, to, (now - since) / 1_000_000);
    settings.metrics().transitioned(state, to);
    state = to;
    since = now;
    root.tell(new ContainerizerActor.SnapshotChanged(snapshot(null, null)));
  }

  /** Runs {@code step} on the blocking dispatcher; {@code done} gets its error, if any. */
  final void io(IoStep step, Function<Optional<String>, Command> done) {
    CompletableFuture<Void> result = CompletableFuture.runAsync(() -> {
      try {
        step.run();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }, blocking);
    context.pipeToSelf(result, (ok, error) -> done.apply(error == null ? Optional.empty()
        : Optional.of(describeIo(error))));
  }

  static String describeIo(Throwable error) {
    Throwable cause = error;
    while ((cause instanceof java.util.concurrent.CompletionException || cause instanceof UncheckedIOException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause.getClass().getSimpleName() + ": " + cause.getMessage();
  }

  final ResourceStatistics statistics(ResourceStatistics partial) {
    return ContainerStats.finish(partial == null ? ResourceStatistics.newBuilder().buildPartial() : partial,
        inUse.launch());
  }

  final Containerizer.ContainerSnapshot snapshot(ResourceStatistics partial, ContainerStatus isolatorStatus) {
    ContainerStatus.Builder status = ContainerStatus.newBuilder();
    if (isolatorStatus != null) {
      status.mergeFrom(isolatorStatus);
    }
    status.setContainerId(container.id());
    if (forked) {
      status.setExecutorPid(initPid);
    }
    return new Containerizer.ContainerSnapshot(container.id(), state, status.build(), statistics(partial),
        Optional.ofNullable(termination));
  }

  /** Asks every isolator for usage and status; the merged answer comes back as Collected. */
  final Behavior<Command> collect(Command request) {
    List<ActorRef<IsolatorProtocol.Command>> refs = isolators.stream().map(IsolatorRef::ref).toList();
    List<String> names = isolators.stream().map(IsolatorRef::name).toList();
    context.spawnAnonymous(UsageCollector.create(refs, names, usageTimeout(), request, context.getSelf()),
        ContainerizerActor.CHILD);
    return Behaviors.same();
  }

  private Duration usageTimeout() {
    return context.getSystem().settings().config().getDuration("corral.actors.usage-timeout");
  }
}
