package io.corral.actors.container;

import io.corral.actors.ContainerError;
import io.corral.actors.Containerizer;
import io.corral.actors.container.ContainerActor.Command;
import io.corral.actors.container.ContainerActor.GetSnapshot;
import io.corral.actors.container.ContainerActor.Kill;
import io.corral.actors.container.ContainerActor.Usage;
import io.corral.actors.container.IsolatorProtocol.Failed;
import io.corral.actors.container.IsolatorProtocol.LimitationReached;
import io.corral.actors.container.Lifecycle.Exit;
import io.corral.actors.container.Lifecycle.Running;
import io.corral.actors.container.Lifecycle.Terminated;
import io.corral.actors.launch.LauncherActor.ProcessExited;
import io.corral.actors.launch.LauncherActor.Signalled;
import io.corral.actors.launch.LauncherActor;
import io.corral.proto.v1.ContainerTermination;
import java.util.Optional;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * RUNNING and TERMINATED, as functions of their records. RUNNING serves usage, status and
 * updates from the isolators and passes signals to the init; the command's exit, a limitation
 * an isolator reports, SIGKILL, or any isolator failure (watch, usage, status, a hung update)
 * destroys the container. TERMINATED answers WAIT with its termination until REMOVE.
 *
 * <p>Threading: the container actor's own, never blocking.
 */
final class RunPhases {
  private RunPhases() {}

  static Behavior<Command> running(ContainerServices s, Running r) {
    return ContainerActor.common(s, r, BehaviorBuilder.<Command>create()
        .onMessage(ProcessExited.class, e -> DestroyPhase.destroy(s, r, ContainerTermination.getDefaultInstance(),
            Optional.empty(), Optional.of(new Exit(e.status()))))
        .onMessage(LimitationReached.class, l -> DestroyPhase.destroy(s, r, LaunchPhases.limitation(l.limitation()),
            Optional.empty(), Optional.empty()))
        .onMessage(Failed.class, f -> onFailed(s, r, f))
        .onMessage(Kill.class, k -> onKill(s, r, k))
        .onMessage(Signalled.class, x -> {
          s.askers().signalled(x.signal(), x.error());
          return Behaviors.same();
        })
        .onMessage(Usage.class, u -> collect(s, u))
        .onMessage(ContainerActor.Update.class, u -> IsolatorUpdate.start(s, u))
        .onMessage(GetSnapshot.class, g -> collect(s, g)));
  }

  private static Behavior<Command> collect(ContainerServices s, Command request) {
    s.collect(request);
    return Behaviors.same();
  }

  /** An isolator failed (or timed out) in any phase while running: destroy, saying why. */
  private static Behavior<Command> onFailed(ContainerServices s, Running r, Failed failed) {
    String message = failed.error().message();
    s.log().warn("Destroying container [{}]: {}", s.id(), message);
    return DestroyPhase.destroy(s, r, LaunchPhases.failed(message), Optional.empty(), Optional.empty());
  }

  private static Behavior<Command> onKill(ContainerServices s, Running r, Kill kill) {
    if (kill.signal() == ContainerActor.SIGKILL) {
      s.askers().awaitKill(kill.replyTo());
      return DestroyPhase.destroy(s, r, ContainerTermination.getDefaultInstance(), Optional.empty(),
          Optional.empty());
    }
    s.askers().awaitSignal(kill.signal(), kill.replyTo());
    s.launcher().tell(new LauncherActor.Signal(kill.signal()));
    return Behaviors.same();
  }

  static Behavior<Command> terminated(ContainerServices s, Terminated t) {
    return ContainerActor.common(s, t, BehaviorBuilder.<Command>create()
        .onMessage(Kill.class, k -> k.signal() == ContainerActor.SIGKILL
            ? ContainerActor.reply(k.replyTo(), new Containerizer.Killed(s.containerId())) : rejectSignal(s, t, k))
        .onMessage(Usage.class, u -> ContainerActor.reply(u.replyTo(), new Containerizer.Rejected(
            new ContainerError.InvalidState(s.containerId(), t.state(), "Failed to get usage")))));
  }

  /** A signal other than SIGKILL reaches only a RUNNING container. */
  static Behavior<Command> rejectSignal(ContainerServices s, Lifecycle phase, Kill kill) {
    return ContainerActor.reply(kill.replyTo(), new Containerizer.Rejected(new ContainerError.InvalidState(
        s.containerId(), phase.state(), "Failed to send signal " + kill.signal())));
  }
}
