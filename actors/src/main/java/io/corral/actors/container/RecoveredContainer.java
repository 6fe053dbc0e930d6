package io.corral.actors.container;

import io.corral.actors.ContainerState;
import io.corral.actors.Containerizer;
import io.corral.actors.container.ContainerActor.Command;
import io.corral.actors.launch.LauncherActor;
import io.corral.actors.recovery.Recovery;
import io.corral.actors.recovery.RecoveryDecision.Adopt;
import io.corral.actors.recovery.RecoveryDecision.Destroy;
import io.corral.actors.recovery.RecoveryDecision.Ended;
import io.corral.actors.recovery.RecoveryDecision.Terminated;
import io.corral.posix.launch.LaunchedContainer;
import io.corral.proto.v1.ContainerStatus;
import io.corral.proto.v1.ContainerTermination;
import io.corral.proto.v1.ResourceStatistics;
import io.corral.proto.v1.agent.Call;
import java.util.Optional;
import java.util.OptionalInt;
import org.apache.pekko.actor.typed.Behavior;

/**
 * Builds the first {@link Lifecycle} record of a container actor in the state a restarted agent found its
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

  /** The first phase of a recovered container's actor, as the recovery decided. */
  static Behavior<Command> resume(ContainerServices s, Recovery.Found found) {
    Optional<LaunchedContainer> adopted = found.adopted();
    adopted.ifPresent(c -> s.launcher().tell(new LauncherActor.Adopt(c)));
    OptionalInt init = adopted.map(c -> OptionalInt.of(c.initPid())).orElse(OptionalInt.empty());
    Call.LaunchContainer launch = found.container().launch();
    if (found.outcome() instanceof Terminated t) {
      return Transitions.enter(s, new Lifecycle.Terminated(t.termination(), launch, init));
    }
    if (found.outcome() instanceof Adopt) {
      s.isolators().forEach(i -> i.ref().tell(new IsolatorProtocol.Watch(s.self())));
      return Transitions.enter(s, new Lifecycle.Running(init.orElseThrow(), IsolatorUpdate.Updates.of(launch)));
    }
    // Every isolator may hold something (their state was recovered): all are cleaned up.
    DestroyPhase.Process process = adopted.isPresent() ? DestroyPhase.Process.RELEASED : DestroyPhase.Process.GONE;
    ContainerTermination termination;
    Optional<Integer> status = Optional.empty();
    if (found.outcome() instanceof Ended e) {
      termination = ContainerTermination.getDefaultInstance();
      status = Optional.of(e.status());
    } else {
      termination = ((Destroy) found.outcome()).termination();
      s.log().warn("Destroying container [{}]: {}", s.id(), termination.getMessage());
    }
    return DestroyPhase.begin(s, new Lifecycle.Destroying(termination, Optional.empty(),
        IsolatorUpdate.Updates.of(launch), init, s.isolators().size(), status, new Lifecycle.AwaitingFork()), process);
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
