package io.corral.actors;

import io.corral.actors.IsolatorProtocol.CleanedUp;
import io.corral.actors.IsolatorProtocol.Failed;
import io.corral.actors.IsolatorProtocol.LimitationReached;
import io.corral.actors.LauncherActor.ForkFailed;
import io.corral.actors.LauncherActor.Forked;
import io.corral.actors.LauncherActor.KillSent;
import io.corral.actors.LauncherActor.ProcessExited;
import io.corral.actors.LauncherActor.Signalled;
import io.corral.isolators.ContainerContext;
import io.corral.isolators.Phase;
import io.corral.posix.launch.Stdio;
import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.ContainerStatus;
import io.corral.proto.v1.ResourceStatistics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * One container: the state machine of DESIGN.md, and the only writer of its state. Spawned by
 * the {@link ContainerizerActor}; it spawns one {@link IsolatorActor} per isolator and one
 * {@link LauncherActor}, and drives them with per-state behaviors ({@link ContainerLaunch} for
 * PREPARING and ISOLATING, {@code running()}, {@code destroying()}, {@code terminated()}).
 *
 * <p>Destroy works from every state and is idempotent: kill (or abort) the init if it was
 * forked, wait for its exit, clean up every isolator that was asked to prepare in reverse order
 * (each attempted even if one fails), checkpoint the termination, answer every {@code Wait}.
 * A phase still running when destroy begins delays its isolator's cleanup at most until the
 * phase timeout (see {@link IsolatorActor}); a cleanup that fails is retried with backoff and
 * reported ({@link CleanupAttempts}). An isolator failure in any phase while RUNNING (watch,
 * usage, status) destroys the container with a message naming the isolator and phase.
 *
 * <p>Threading: runs on the default dispatcher and never blocks; files are written on the
 * blocking dispatcher and come back with {@code pipeToSelf}. {@code containerId} is in the MDC.
 */
final class ContainerActor extends ContainerLaunch {

  /** A message to a container; the public ones are forwarded by the root. */
  interface Command {}

  record Wait(ActorRef<Containerizer.WaitReply> replyTo) implements Command {}

  record Kill(int signal, ActorRef<Containerizer.KillReply> replyTo) implements Command {}

  record Usage(ActorRef<Containerizer.UsageReply> replyTo) implements Command {}

  record Update(List<io.corral.proto.v1.Resource> requests, Map<String, Double> limits,
      ActorRef<Containerizer.UpdateReply> replyTo) implements Command {}

  record GetSnapshot(ActorRef<Containerizer.ContainerSnapshot> replyTo) implements Command {}

  /** The merged usage and status of the isolators, for {@code request}. */
  record Collected(Command request, ResourceStatistics statistics, ContainerStatus status) implements Command {}

  /** A handler of this actor threw (see {@link Containment}): a bug, contained by destroying. */
  record Crashed(String detail) implements Command {}

  /** An aborted init has not exited within {@code corral.actors.abort-grace}: kill it. */
  private enum AbortExpired implements Command { INSTANCE }

  private record TerminationWritten(Optional<String> error) implements Command {}

  /** Time to try the cleanup of the isolator at {@code index} again. */
  private record RetryCleanup(int index) implements Command {}

  static final int SIGKILL = 9;

  private final List<ActorRef<Containerizer.WaitReply>> waiters = new ArrayList<>();
  private final List<ActorRef<Containerizer.KillReply>> killers = new ArrayList<>();
  private final Map<Integer, List<ActorRef<Containerizer.KillReply>>> signallers = new java.util.HashMap<>();
  private CleanupAttempts cleanups;
  private boolean killSent;
  private boolean killAcked;
  private boolean cleanupStarted;
  private int cleanupIndex;

  static Behavior<Command> create(
      ContainerizerSettings settings,
      Paths paths,
      io.corral.proto.v1.agent.Call.LaunchContainer launch,
      Stdio stdio,
      ActorRef<Containerizer.LaunchReply> replyTo,
      ActorRef<Containerizer.Command> root) {
    return create(settings, paths, launch, stdio, replyTo, root, false);
  }

  /** {@code detached}: the container outlives this actor (the agent recovers it later). */
  static Behavior<Command> create(
      ContainerizerSettings settings,
      Paths paths,
      io.corral.proto.v1.agent.Call.LaunchContainer launch,
      Stdio stdio,
      ActorRef<Containerizer.LaunchReply> replyTo,
      ActorRef<Containerizer.Command> root,
      boolean detached) {
    String id = launch.getContainerId().getValue();
    return Behaviors.withMdc(Command.class, Map.of("containerId", id), Behaviors.intercept(Containment::new,
        Behaviors.setup(context -> Behaviors.withTimers(timers -> {
          ContainerContext container = new ContainerContext(
              launch.getContainerId(), launch, paths.sandbox(id), paths.runtime(id));
          return new ContainerActor(context, timers, settings, paths, container,
              stdio == null ? Stdio.sandbox(container.sandbox()) : stdio, replyTo, root, detached).start();
        }))));
  }

  ContainerActor(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      ContainerizerSettings settings,
      Paths paths,
      ContainerContext container,
      Stdio stdio,
      ActorRef<Containerizer.LaunchReply> replyTo,
      ActorRef<Containerizer.Command> root,
      boolean detached) {
    super(context, timers, settings, paths, container, stdio, replyTo, root, detached);
  }

  // ---- RUNNING -------------------------------------------------------------------------------

  @Override
  Behavior<Command> running() {
    return common(BehaviorBuilder.<Command>create()
        .onMessage(ProcessExited.class, e -> {
          recordExit(e);
          return destroy(null);
        })
        .onMessage(LimitationReached.class, l -> destroy(limitation(l.limitation())))
        .onMessage(Failed.class, this::onFailedWhileRunning)
        .onMessage(Kill.class, this::onKill)
        .onMessage(Signalled.class, this::onSignalled)
        .onMessage(Usage.class, u -> collect(u))
        .onMessage(Update.class, u -> IsolatorUpdate.start(context, isolators, u, containerId()))
        .onMessage(GetSnapshot.class, g -> collect(g)));
  }

  /** An isolator failed (or timed out) in any phase while running: destroy, saying why. */
  private Behavior<Command> onFailedWhileRunning(Failed failed) {
    String message = new ContainerError.IsolatorFailed(failed.isolator(), failed.phase(), failed.message()).message();
    log().warn("Destroying container [{}]: {}", id(), message);
    return destroy(io.corral.proto.v1.ContainerTermination.newBuilder()
        .setState(io.corral.proto.v1.TaskState.TASK_FAILED)
        .setMessage(message));
  }

  private Behavior<Command> onKill(Kill kill) {
    if (kill.signal() == SIGKILL) {
      killers.add(kill.replyTo());
      return destroy(null);
    }
    signallers.computeIfAbsent(kill.signal(), s -> new ArrayList<>()).add(kill.replyTo());
    launcher.tell(new LauncherActor.Signal(kill.signal()));
    return Behaviors.same();
  }

  private Behavior<Command> onSignalled(Signalled signalled) {
    List<ActorRef<Containerizer.KillReply>> waiting = signallers.get(signalled.signal());
    if (waiting != null && !waiting.isEmpty()) {
      waiting.remove(0).tell(signalled.error().<Containerizer.KillReply>map(e -> new Containerizer.Rejected(
              new ContainerError.Internal("Failed to signal container '" + id() + "': " + e)))
          .orElse(new Containerizer.Killed(containerId())));
    }
    return Behaviors.same();
  }

  // ---- DESTROYING ----------------------------------------------------------------------------

  /** Moves to DESTROYING (once) with {@code termination} as the pending termination info. */
  @Override
  Behavior<Command> destroy(io.corral.proto.v1.ContainerTermination.Builder termination) {
    if (state == ContainerState.DESTROYING || state == ContainerState.TERMINATED) {
      return Behaviors.same();
    }
    if (termination != null) {
      pending = termination;
    }
    transition(ContainerState.DESTROYING);
    return advanceDestroy();
  }

  private Behavior<Command> advanceDestroy() {
    if (forkPending) {
      return destroying();
    }
    if (forked && !exited) {
      if (!killSent) {
        killSent = true;
        launcher.tell(releaseStarted ? LauncherActor.Kill.INSTANCE : LauncherActor.Abort.INSTANCE);
        if (!releaseStarted) {
          ackKillers(Optional.empty());
          timers.startSingleTimer(AbortExpired.INSTANCE,
              context.getSystem().settings().config().getDuration("corral.actors.abort-grace"));
        }
      }
      return destroying();
    }
    ackKillers(Optional.empty());
    if (!cleanupStarted) {
      cleanupStarted = true;
      cleanupIndex = prepared - 1;
      com.typesafe.config.Config config = context.getSystem().settings().config();
      cleanups = new CleanupAttempts(config.getInt("corral.actors.cleanup-attempts"),
          config.getDuration("corral.actors.cleanup-backoff"));
      return cleanupNext();
    }
    return destroying();
  }

  private Behavior<Command> destroying() {
    return common(BehaviorBuilder.<Command>create()
        .onMessage(Forked.class, this::onForkedWhileDestroying)
        .onMessage(ForkFailed.class, this::onForkFailedWhileDestroying)
        .onMessage(ProcessExited.class, this::onExitedWhileDestroying)
        .onMessage(KillSent.class, this::onKillSent)
        .onMessageEquals(AbortExpired.INSTANCE, this::onAbortExpired)
        .onMessage(CleanedUp.class, c -> onCleanupReply(c.isolator(), null))
        .onMessage(Failed.class, this::onFailedWhileDestroying)
        .onMessage(TerminationWritten.class, this::onTerminationWritten)
        .onMessage(RetryCleanup.class, r -> cleanupNext())
        .onMessage(Kill.class, this::onKillWhileDestroying)
        .onMessage(Signalled.class, this::onSignalled));
  }

  /** The fork finished after destroy began: the init is aborted (or killed) like any other. */
  private Behavior<Command> onForkedWhileDestroying(Forked forked) {
    onForked(forked.initPid(), forked.helperPid());
    return advanceDestroy();
  }

  private Behavior<Command> onForkFailedWhileDestroying(ForkFailed failed) {
    forkPending = false;
    return advanceDestroy();
  }

  private Behavior<Command> onExitedWhileDestroying(ProcessExited exit) {
    recordExit(exit);
    return advanceDestroy();
  }

  private Behavior<Command> onAbortExpired() {
    if (!exited) {
      log().warn("Killing container [{}] whose init did not exit after the abort", id());
      launcher.tell(LauncherActor.Kill.INSTANCE);
    }
    return Behaviors.same();
  }

  private Behavior<Command> onKillSent(KillSent sent) {
    ackKillers(sent.error());
    return Behaviors.same();
  }

  /** Only cleanup failures matter now; late failures of earlier phases are ignored. */
  private Behavior<Command> onFailedWhileDestroying(Failed failed) {
    return failed.phase() != Phase.CLEANUP ? Behaviors.same() : onCleanupReply(failed.isolator(),
        new ContainerError.IsolatorFailed(failed.isolator(), failed.phase(), failed.message()));
  }

  private Behavior<Command> onKillWhileDestroying(Kill kill) {
    if (kill.signal() != SIGKILL) {
      return rejectKill(kill);
    }
    if (killSent && !killAcked) {
      killers.add(kill.replyTo());
    } else {
      kill.replyTo().tell(new Containerizer.Killed(containerId()));
    }
    return Behaviors.same();
  }

  private void ackKillers(Optional<String> error) {
    killAcked = true;
    for (ActorRef<Containerizer.KillReply> killer : killers) {
      killer.tell(error.<Containerizer.KillReply>map(e -> new Containerizer.Rejected(
          new ContainerError.Internal("Failed to kill container '" + id() + "': " + e)))
          .orElse(new Containerizer.Killed(containerId())));
    }
    killers.clear();
  }

  private Behavior<Command> onCleanupReply(String isolator, ContainerError failure) {
    if (!cleanupStarted || cleanupIndex < 0 || !isolators.get(cleanupIndex).name().equals(isolator)) {
      return Behaviors.same();
    }
    if (failure == null) {
      cleanups.succeeded(isolator);
    } else {
      int attempt = cleanups.attempt(isolator);
      java.time.Duration retry = cleanups.failed(isolator, failure.message());
      if (retry != null) {
        log().warn("Cleanup of container [{}] failed at attempt {} of {}, trying again in {}ms: {}",
            id(), attempt, cleanups.maxAttempts(), retry.toMillis(), failure.message());
        timers.startSingleTimer(new RetryCleanup(cleanupIndex), retry);
        return destroying();
      }
      log().error("Cleanup of container [{}] failed at attempt {}, giving up: {}", id(), attempt, failure.message());
    }
    cleanupIndex--;
    return cleanupNext();
  }

  private Behavior<Command> cleanupNext() {
    if (cleanupIndex >= 0) {
      isolators.get(cleanupIndex).ref().tell(new IsolatorProtocol.Cleanup(context.getSelf().narrow()));
      return destroying();
    }
    String failures = cleanups.report();
    if (failures != null) {
      pending.setMessage(pending.hasMessage() ? pending.getMessage() + "; " + failures : failures);
    }
    exitStatus.ifPresent(pending::setStatus);
    termination = pending.build();
    io(() -> {
      inUse.awaitWrites(); // a config rewrite of an update must not outlive the container
      Paths.checkpoint(paths.termination(id()), termination);
    }, TerminationWritten::new);
    return destroying();
  }

  private Behavior<Command> onTerminationWritten(TerminationWritten written) {
    written.error().ifPresent(e -> log().warn("Failed to checkpoint termination of container '{}': {}", id(), e));
    transition(ContainerState.TERMINATED);
    if (launchReplyTo != null) {
      launchReplyTo.tell(new Containerizer.Rejected(launchError != null ? launchError
          : new ContainerError.LaunchFailed("container was destroyed during launch")));
      launchReplyTo = null;
    }
    waiters.forEach(w -> w.tell(new Containerizer.Terminated(containerId(), termination)));
    waiters.clear();
    return terminated();
  }

  // ---- TERMINATED ----------------------------------------------------------------------------

  Behavior<Command> terminated() {
    return common(BehaviorBuilder.<Command>create()
        .onMessage(Kill.class, k -> k.signal() == SIGKILL ? ack(k) : rejectKill(k))
        .onMessage(Usage.class, this::onUsageWhenTerminated));
  }

  private Behavior<Command> onUsageWhenTerminated(Usage usage) {
    usage.replyTo().tell(new Containerizer.Rejected(new ContainerError.InvalidState(
        containerId(), state, "Failed to get usage")));
    return Behaviors.same();
  }

  private Behavior<Command> ack(Kill kill) {
    kill.replyTo().tell(new Containerizer.Killed(containerId()));
    return Behaviors.same();
  }

  // ---- Every state ---------------------------------------------------------------------------

  /** The handlers every state shares, after the state's own; unknown messages are ignored. */
  @Override
  Behavior<Command> common(BehaviorBuilder<Command> builder) {
    return builder
        .onMessage(Wait.class, this::onWait)
        .onMessage(Kill.class, this::onKillDuringLaunch)
        .onMessage(Usage.class, this::onUsageWithoutIsolators)
        .onMessage(Update.class, u -> reject(u.replyTo(), "Failed to update"))
        .onMessage(IsolatorUpdate.Finished.class, f -> IsolatorUpdate.onFinished(this, f))
        .onMessage(IsolatorUpdate.ConfigRewritten.class, w -> IsolatorUpdate.onConfigRewritten(this, w))
        .onMessage(GetSnapshot.class, this::onSnapshotWithoutIsolators)
        .onMessage(Collected.class, this::onCollected)
        .onMessage(Crashed.class, this::onCrashed)
        .onMessage(LauncherActor.DestroyIncomplete.class, this::onDestroyIncomplete)
        .onAnyMessage(this::onIgnored)
        .build();
  }

  /** Before RUNNING and while destroying, usage is the launch limits only. */
  private Behavior<Command> onUsageWithoutIsolators(Usage usage) {
    usage.replyTo().tell(new Containerizer.Statistics(containerId(), statistics(null)));
    return Behaviors.same();
  }

  private Behavior<Command> onSnapshotWithoutIsolators(GetSnapshot request) {
    request.replyTo().tell(snapshot(null, null));
    return Behaviors.same();
  }

  /** Mesos' wording for a launcher destroy that failed; the termination carries it. */
  private Behavior<Command> onDestroyIncomplete(LauncherActor.DestroyIncomplete incomplete) {
    String failure = "Failed to kill all processes in the container: " + incomplete.message();
    log().error("Container [{}]: {}", id(), failure);
    pending.setState(io.corral.proto.v1.TaskState.TASK_FAILED)
        .setMessage(pending.hasMessage() ? pending.getMessage() + "; " + failure : failure);
    return Behaviors.same();
  }

  private Behavior<Command> onIgnored(Command message) {
    log().debug("Ignoring [{}] in state {}", message, state);
    return Behaviors.same();
  }

  private Behavior<Command> onWait(Wait wait) {
    if (state == ContainerState.TERMINATED) {
      wait.replyTo().tell(new Containerizer.Terminated(containerId(), termination));
    } else {
      waiters.add(wait.replyTo());
    }
    return Behaviors.same();
  }

  /** SIGKILL destroys a container that is still launching; other signals cannot reach it yet. */
  private Behavior<Command> onKillDuringLaunch(Kill kill) {
    if (kill.signal() != SIGKILL) {
      return rejectKill(kill);
    }
    killers.add(kill.replyTo());
    return failLaunch(new ContainerError.LaunchFailed("killed while " + state), null);
  }

  private <R> Behavior<Command> reject(ActorRef<R> replyTo, String detail) {
    @SuppressWarnings("unchecked")
    ActorRef<Containerizer.Rejected> rejected = (ActorRef<Containerizer.Rejected>) (ActorRef<?>) replyTo;
    rejected.tell(new Containerizer.Rejected(new ContainerError.InvalidState(containerId(), state, detail)));
    return Behaviors.same();
  }

  private Behavior<Command> rejectKill(Kill kill) {
    kill.replyTo().tell(new Containerizer.Rejected(new ContainerError.InvalidState(
        containerId(), state, "Failed to send signal " + kill.signal())));
    return Behaviors.same();
  }

  private Behavior<Command> onCollected(Collected collected) {
    if (collected.request() instanceof Usage u) {
      u.replyTo().tell(new Containerizer.Statistics(containerId(), statistics(collected.statistics())));
    } else if (collected.request() instanceof GetSnapshot g) {
      g.replyTo().tell(snapshot(collected.statistics(), collected.status()));
    }
    return Behaviors.same();
  }

  private ContainerID containerId() {
    return container.id();
  }
}
