package io.corral.actors;

import io.corral.actors.IsolatorProtocol.Failed;
import io.corral.actors.IsolatorProtocol.LimitationReached;
import io.corral.actors.LauncherActor.ProcessExited;
import io.corral.actors.LauncherActor.Signalled;
import io.corral.isolators.ContainerContext;
import io.corral.posix.launch.Stdio;
import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.ContainerStatus;
import io.corral.proto.v1.ResourceStatistics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * One container: the state machine of DESIGN.md, and the only writer of its state. Spawned by
 * the {@link ContainerizerActor}; it spawns one {@link IsolatorActor} per isolator and one
 * {@link LauncherActor}, and drives them with per-state behaviors ({@link ContainerLaunch} for
 * PREPARING and ISOLATING, {@code running()} here, {@link ContainerDestroy} for DESTROYING,
 * {@code terminated()} here); the class chain only splits the code, the actor is one.
 *
 * <p>Destroy works from every state and is idempotent (see {@link ContainerDestroy}). A phase
 * still running when destroy begins delays its isolator's cleanup at most until the phase
 * timeout (see {@link IsolatorActor}). An isolator failure in any phase while RUNNING (watch,
 * usage, status; a hung update) destroys the container with a message naming the isolator and
 * phase.
 *
 * <p>Threading: runs on the default dispatcher and never blocks; files are written on the
 * blocking dispatcher and come back with {@code pipeToSelf}. {@code containerId} is in the MDC.
 */
final class ContainerActor extends ContainerDestroy {

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

  private final Map<Integer, List<ActorRef<Containerizer.KillReply>>> signallers = new java.util.HashMap<>();

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
          return new ContainerActor(new Setup(context, timers, settings, paths, container,
              stdio == null ? Stdio.sandbox(container.sandbox()) : stdio, replyTo, root, detached)).start();
        }))));
  }

  ContainerActor(Setup setup) {
    super(setup);
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

  @Override
  Behavior<Command> onSignalled(Signalled signalled) {
    List<ActorRef<Containerizer.KillReply>> waiting = signallers.get(signalled.signal());
    if (waiting != null && !waiting.isEmpty()) {
      waiting.remove(0).tell(signalled.error().<Containerizer.KillReply>map(e -> new Containerizer.Rejected(
              new ContainerError.Internal("Failed to signal container '" + id() + "': " + e)))
          .orElse(new Containerizer.Killed(containerId())));
    }
    return Behaviors.same();
  }

  // ---- TERMINATED ----------------------------------------------------------------------------

  @Override
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
    settings.metrics().destroyFailed();
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

  @Override
  Behavior<Command> rejectKill(Kill kill) {
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

  @Override
  ContainerID containerId() {
    return container.id();
  }
}
