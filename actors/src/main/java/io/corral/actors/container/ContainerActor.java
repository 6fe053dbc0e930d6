package io.corral.actors.container;

import io.corral.actors.ContainerError;
import io.corral.actors.ContainerState;
import io.corral.actors.Containerizer;
import io.corral.actors.ContainerizerSettings;
import io.corral.actors.Layout;
import io.corral.actors.container.ContainerServices.IsolatorRef;
import io.corral.actors.container.Lifecycle.Destroying;
import io.corral.actors.container.Lifecycle.Isolating;
import io.corral.actors.container.Lifecycle.Preparing;
import io.corral.actors.container.Lifecycle.Running;
import io.corral.actors.container.Lifecycle.Terminated;
import io.corral.actors.launch.LauncherActor;
import io.corral.actors.metrics.MetricsRecorder;
import io.corral.actors.recovery.Recovery;
import io.corral.isolators.ContainerContext;
import io.corral.isolators.Isolator;
import io.corral.posix.launch.Stdio;
import io.corral.proto.v1.ContainerStatus;
import io.corral.proto.v1.ContainerTermination;
import io.corral.proto.v1.ResourceStatistics;
import io.corral.proto.v1.TaskState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * One container: the state machine of {@code docs/design.md}, and the only writer of its state
 * and the one owner of its answers. Spawned by the {@link ContainerizerActor}; it spawns one
 * {@link IsolatorActor} per isolator and one {@link LauncherActor}, and drives them. Its phase
 * is a {@link Lifecycle} record and its behavior a function of that record:
 * {@link LaunchPhases} (PREPARING, ISOLATING), {@link RunPhases} (RUNNING, TERMINATED) and
 * {@link DestroyPhase} (DESTROYING), each with the handlers every phase shares ({@link #common}).
 * Everything the phases share is one {@link ContainerServices} value.
 *
 * <p>Destroy works from every phase and is idempotent. Whatever happens, every pending LAUNCH,
 * WAIT and KILL is answered: as the lifecycle gets there, or when the actor stops
 * ({@link Askers#stopped}).
 *
 * <p>Threading: runs on {@code corral.actor-dispatcher} and never blocks; files are written on
 * the blocking dispatcher and come back with {@code pipeToSelf}. {@code containerId} is in the MDC.
 */
public final class ContainerActor {
  private ContainerActor() {}

  /** A message to a container; the public ones are forwarded by the root. */
  public interface Command {}

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

  static final int SIGKILL = 9;

  /** How a container actor starts, given its services. */
  private interface Start {
    Behavior<Command> start(ContainerServices services);
  }

  /** A container launched by this agent; {@code detached}: it outlives this actor (recovery on). */
  static Behavior<Command> create(ContainerizerSettings settings, ActorsConfig config, Layout layout,
      io.corral.proto.v1.agent.Call.LaunchContainer launch, Stdio stdio, ActorRef<Containerizer.LaunchReply> replyTo,
      ActorRef<Containerizer.Command> root, boolean detached) {
    String id = launch.getContainerId().getValue();
    ContainerContext container = new ContainerContext(launch.getContainerId(), launch, layout.sandbox(id),
        layout.runtime(id));
    return actor(settings, config, layout, container, stdio == null ? Stdio.sandbox(container.sandbox()) : stdio,
        replyTo, root, !detached, LaunchPhases::start);
  }

  /** A container a restarted agent found, in the phase {@code found} says (see {@link RecoveredContainer}). */
  static Behavior<Command> recovered(ContainerizerSettings settings, ActorsConfig config, Layout layout,
      Recovery.Found found, ActorRef<Containerizer.Command> root) {
    ContainerContext container = found.container();
    return actor(settings, config, layout, container, Stdio.sandbox(container.sandbox()), null, root, false,
        s -> RecoveredContainer.resume(s, found));
  }

  private static Behavior<Command> actor(ContainerizerSettings settings, ActorsConfig config, Layout layout,
      ContainerContext container, Stdio stdio, ActorRef<Containerizer.LaunchReply> replyTo,
      ActorRef<Containerizer.Command> root, boolean killOnStop, Start start) {
    return Behaviors.withMdc(Command.class, Map.of("containerId", container.name()), Behaviors.intercept(
        Containment::new, Behaviors.setup(context -> Behaviors.withTimers(timers -> {
          MetricsRecorder.of(settings.metrics()).transitioned(null, ContainerState.PROVISIONING);
          ActorRef<LauncherActor.Command> launcher = context.spawn(LauncherActor.create(container.name(),
              settings.launcher(), context.getSelf().narrow(), killOnStop), "launcher", ContainerizerActor.CHILD);
          Askers askers = new Askers(container.id(), replyTo);
          List<IsolatorRef> isolators = new ArrayList<>();
          RuntimeException broken = spawnIsolators(context, settings, container, isolators);
          ContainerServices s = new ContainerServices(context, timers, settings, config, layout, container, stdio,
              root, launcher, broken == null ? List.copyOf(isolators) : List.of(),
              context.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig(IsolatorActor.BLOCKING_DISPATCHER)),
              askers, new Transitions());
          return broken == null ? start.start(s) : brokenAtStart(s, broken);
        }))));
  }

  private static RuntimeException spawnIsolators(ActorContext<Command> context, ContainerizerSettings settings,
      ContainerContext container, List<IsolatorRef> isolators) {
    try {
      int index = 0;
      for (Isolator isolator : settings.isolators()) {
        String name = isolator.name();
        isolators.add(new IsolatorRef(name, context.spawn(
            IsolatorActor.create(isolator, container, settings.isolatorPhaseTimeout(), context.getSelf().narrow(),
                settings.metrics()), "isolator-" + index++ + "-" + name.replaceAll("[^A-Za-z0-9_-]", "_"),
            ContainerizerActor.CHILD)));
      }
      return null;
    } catch (RuntimeException e) {
      return e;
    }
  }

  /**
   * A bug stopped the actor's start (an isolator that cannot even be named): nothing was
   * prepared, so nothing is cleaned up; the container is TERMINATED at once and says so.
   */
  private static Behavior<Command> brokenAtStart(ContainerServices s, RuntimeException bug) {
    s.log().error("Bug while starting the actor of container [{}]", s.id(), bug);
    ContainerTermination termination = ContainerTermination.newBuilder()
        .setState(TaskState.TASK_FAILED).setMessage(Askers.STOPPED).build();
    s.askers().launchFailed(new ContainerError.Internal(Askers.STOPPED));
    return Transitions.enter(s, new Terminated(termination, s.container().launch(), OptionalInt.empty()));
  }

  /** The behavior of {@code phase}. */
  static Behavior<Command> behavior(ContainerServices s, Lifecycle phase) {
    if (phase instanceof Lifecycle.Provisioning p) {
      return ProvisionPhase.provisioning(s, p);
    } else if (phase instanceof Preparing p) {
      return LaunchPhases.preparing(s, p);
    } else if (phase instanceof Isolating i) {
      return LaunchPhases.isolating(s, i);
    } else if (phase instanceof Lifecycle.Fetching f) {
      return FetchPhase.fetching(s, f);
    } else if (phase instanceof Running r) {
      return RunPhases.running(s, r);
    } else if (phase instanceof Destroying d) {
      return DestroyPhase.destroying(s, d);
    }
    return RunPhases.terminated(s, (Terminated) phase);
  }

  /**
   * The handlers every phase shares, after the phase's own: WAIT, KILL of a launching container,
   * usage and snapshot without the isolators, UPDATE refused, the answers of updates, collected
   * usage, a contained bug, an incomplete destroy, and the answers owed when the actor stops.
   * Anything else is ignored.
   */
  static Behavior<Command> common(ContainerServices s, Lifecycle phase, BehaviorBuilder<Command> builder) {
    return builder
        .onMessage(Wait.class, w -> onWait(s, phase, w))
        .onMessage(Kill.class, k -> LaunchPhases.onKill(s, phase, k))
        .onMessage(Usage.class, u -> reply(u.replyTo(), new Containerizer.Statistics(s.containerId(),
            s.statistics(phase, null))))
        .onMessage(Update.class, u -> reply(u.replyTo(), new Containerizer.Rejected(
            new ContainerError.InvalidState(s.containerId(), phase.state(), "Failed to update"))))
        .onMessage(IsolatorUpdate.Finished.class, f -> IsolatorUpdate.onFinished(s, phase, f))
        .onMessage(IsolatorUpdate.ConfigRewritten.class, w -> IsolatorUpdate.onConfigRewritten(s, phase, w))
        .onMessage(GetSnapshot.class, g -> reply(g.replyTo(), s.snapshot(phase, null, null)))
        .onMessage(Collected.class, c -> onCollected(s, phase, c))
        .onMessage(Crashed.class, c -> LaunchPhases.onCrashed(s, phase, c))
        .onMessage(LauncherActor.DestroyIncomplete.class, d -> DestroyPhase.onDestroyIncomplete(s, phase, d))
        .onAnyMessage(m -> {
          s.log().debug("Ignoring [{}] in state {}", m, phase.state());
          return Behaviors.same();
        })
        .onSignal(PostStop.class, stop -> {
          s.askers().stopped(phase instanceof Terminated t ? Optional.of(t.termination()) : Optional.empty());
          return Behaviors.same();
        })
        .build();
  }

  static <R> Behavior<Command> reply(ActorRef<R> replyTo, R reply) {
    replyTo.tell(reply);
    return Behaviors.same();
  }

  private static Behavior<Command> onWait(ContainerServices s, Lifecycle phase, Wait wait) {
    if (phase instanceof Terminated t) {
      wait.replyTo().tell(new Containerizer.Terminated(s.containerId(), t.termination()));
    } else {
      s.askers().awaitTermination(wait.replyTo());
    }
    return Behaviors.same();
  }

  private static Behavior<Command> onCollected(ContainerServices s, Lifecycle phase, Collected collected) {
    if (collected.request() instanceof Usage u) {
      u.replyTo().tell(new Containerizer.Statistics(s.containerId(), s.statistics(phase, collected.statistics())));
    } else if (collected.request() instanceof GetSnapshot g) {
      g.replyTo().tell(s.snapshot(phase, collected.statistics(), collected.status()));
    }
    return Behaviors.same();
  }
}
