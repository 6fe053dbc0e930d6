package io.corral.actors;

import io.corral.actors.ContainerActor.Command;
import io.corral.actors.RecoveryDecision.Adopt;
import io.corral.actors.RecoveryDecision.Destroy;
import io.corral.actors.RecoveryDecision.Ended;
import io.corral.actors.RecoveryDecision.Terminated;
import io.corral.posix.launch.LaunchedContainer;
import io.corral.posix.launch.Stdio;
import io.corral.proto.v1.ContainerStatus;
import io.corral.proto.v1.ContainerTermination;
import io.corral.proto.v1.ResourceStatistics;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Puts a freshly built {@link ContainerActor} into the state a restarted agent found its
 * container in (a {@link Recovery.Found}): TERMINATED with its checkpointed termination;
 * RUNNING with its init adopted by the launcher and every isolator's watch armed again; or
 * DESTROYING — every isolator cleaned up (their state was recovered, so cleanup finds it), the
 * adopted init killed if there is one — and then TERMINATED with the recorded wait status or
 * the reason it could not be recovered. From there WAIT, KILL, usage and REMOVE work as for a
 * container this agent launched.
 *
 * <p>Threading: called from the container actor's setup, on its thread; never blocks.
 */
final class RecoveredContainer {
  private RecoveredContainer() {}

  /** A container actor for {@code found}, rebuilt in the state the recovery decided. */
  static Behavior<Command> create(
      ContainerizerSettings settings, Paths paths, Recovery.Found found, ActorRef<Containerizer.Command> root) {
    io.corral.isolators.ContainerContext container = found.container();
    return Behaviors.withMdc(Command.class, java.util.Map.of("containerId", container.name()), Behaviors.intercept(
        Containment::new, Behaviors.setup(context -> Behaviors.withTimers(timers -> resume(
            new ContainerActor(new ContainerLaunch.Setup(context, timers, settings, paths, container,
                Stdio.sandbox(container.sandbox()), null, root, true)), found)))));
  }

  static Behavior<Command> resume(ContainerActor actor, Recovery.Found found) {
    actor.prepared = actor.isolators.size(); // every isolator may hold something: all are cleaned up
    Optional<LaunchedContainer> adopted = found.adopted();
    adopted.ifPresent(c -> {
      actor.launcher.tell(new LauncherActor.Adopt(c));
      actor.onForked(c.initPid(), c.helperPid());
      actor.releaseStarted = true;
    });
    if (found.outcome() instanceof Terminated t) {
      actor.termination = t.termination();
      actor.transition(ContainerState.TERMINATED);
      return actor.terminated();
    }
    if (found.outcome() instanceof Adopt) {
      actor.transition(ContainerState.RUNNING);
      ActorRef<IsolatorProtocol.Reply> self = actor.context.getSelf().narrow();
      actor.isolators.forEach(i -> i.ref().tell(new IsolatorProtocol.Watch(self)));
      return actor.running();
    }
    if (adopted.isEmpty()) {
      actor.exited = true; // nothing of it runs: straight to cleanup
    }
    if (found.outcome() instanceof Ended e) {
      actor.exitStatus = Optional.of(e.status());
      return actor.destroy(ContainerTermination.newBuilder());
    }
    Destroy destroy = (Destroy) found.outcome();
    actor.log().warn("Destroying container [{}]: {}", actor.id(), destroy.termination().getMessage());
    return actor.destroy(destroy.termination().toBuilder());
  }

  /** What the root lists for a recovered container until its actor reports. */
  static Containerizer.ContainerSnapshot snapshot(Recovery.Found found) {
    ContainerState state = found.outcome() instanceof Terminated ? ContainerState.TERMINATED
        : found.outcome() instanceof Adopt ? ContainerState.RUNNING : ContainerState.DESTROYING;
    ContainerStatus.Builder status = ContainerStatus.newBuilder().setContainerId(found.container().id());
    found.adopted().ifPresent(c -> status.setExecutorPid(c.initPid()));
    return new Containerizer.ContainerSnapshot(found.container().id(), state, status.build(),
        ContainerStats.finish(ResourceStatistics.newBuilder().buildPartial(), found.container().launch()),
        found.outcome() instanceof Terminated t ? Optional.of(t.termination()) : Optional.empty());
  }
}
