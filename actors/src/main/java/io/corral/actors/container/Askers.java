package io.corral.actors.container;

import io.corral.actors.ContainerError;
import io.corral.actors.Containerizer;
import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.ContainerTermination;
import io.corral.proto.v1.TaskState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Who waits for an answer from one container: the launch (until RUNNING or TERMINATED), every
 * WAIT (until TERMINATED), every KILL whose SIGKILL is not acknowledged yet and every other
 * signal in flight. The container is the one owner of these answers: it answers each as its
 * lifecycle gets there, and whatever is still pending when its actor stops ({@link #stopped}),
 * so nobody waits forever, whatever happened; the root keeps no copy.
 *
 * <p>The one mutable part of a container's services; used on the container actor's thread only.
 */
final class Askers {
  /** What everyone still waiting hears when the actor stops before the container terminated. */
  static final String STOPPED = "Failed to run container: its actor stopped unexpectedly";

  private final ContainerID id;
  private ActorRef<Containerizer.LaunchReply> launch;
  private final List<ActorRef<Containerizer.WaitReply>> waiters = new ArrayList<>();
  private final List<ActorRef<Containerizer.KillReply>> killers = new ArrayList<>();
  private final Map<Integer, List<ActorRef<Containerizer.KillReply>>> signallers = new HashMap<>();

  /** {@code launch} null: nobody waits for a launch (a recovered container). */
  Askers(ContainerID id, ActorRef<Containerizer.LaunchReply> launch) {
    this.id = id;
    this.launch = launch;
  }

  void launched() {
    if (launch != null) {
      launch.tell(new Containerizer.Launched(id));
      launch = null;
    }
  }

  void launchFailed(ContainerError error) {
    if (launch != null) {
      launch.tell(new Containerizer.Rejected(error));
      launch = null;
    }
  }

  void awaitTermination(ActorRef<Containerizer.WaitReply> waiter) {
    waiters.add(waiter);
  }

  void terminated(ContainerTermination termination) {
    waiters.forEach(w -> w.tell(new Containerizer.Terminated(id, termination)));
    waiters.clear();
  }

  void awaitKill(ActorRef<Containerizer.KillReply> killer) {
    killers.add(killer);
  }

  /** Answers every pending KILL: the SIGKILL was delivered, or {@code error} says why not. */
  void killed(Optional<ContainerError> error) {
    for (ActorRef<Containerizer.KillReply> killer : killers) {
      killer.tell(error.<Containerizer.KillReply>map(e -> new Containerizer.Rejected(new ContainerError.Internal(
          "Failed to kill container '" + id.getValue() + "': " + e.message()))).orElse(new Containerizer.Killed(id)));
    }
    killers.clear();
  }

  void awaitSignal(int signal, ActorRef<Containerizer.KillReply> signaller) {
    signallers.computeIfAbsent(signal, s -> new ArrayList<>()).add(signaller);
  }

  /** Answers the oldest pending KILL with {@code signal}. */
  void signalled(int signal, Optional<ContainerError> error) {
    List<ActorRef<Containerizer.KillReply>> waiting = signallers.get(signal);
    if (waiting != null && !waiting.isEmpty()) {
      waiting.remove(0).tell(error.<Containerizer.KillReply>map(e -> new Containerizer.Rejected(
          new ContainerError.Internal("Failed to signal container '" + id.getValue() + "': " + e.message())))
          .orElse(new Containerizer.Killed(id)));
    }
  }

  /** The actor stops: answers everyone still waiting; {@code termination} when it had terminated. */
  void stopped(Optional<ContainerTermination> termination) {
    ContainerError stopped = new ContainerError.Internal(STOPPED);
    launchFailed(stopped);
    terminated(termination.orElse(ContainerTermination.newBuilder()
        .setState(TaskState.TASK_FAILED).setMessage(STOPPED).build()));
    killed(Optional.of(stopped));
    signallers.values().forEach(refs -> refs.forEach(r -> r.tell(new Containerizer.Rejected(stopped))));
    signallers.clear();
  }
}
