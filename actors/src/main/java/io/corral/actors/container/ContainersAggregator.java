package io.corral.actors.container;

import io.corral.actors.Containerizer.ContainerSnapshot;
import io.corral.actors.Containerizer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Answers one GetContainers: asks every known container for a fresh snapshot, waits at most
 * {@code timeout}, and lists each container with its fresh snapshot or, when it did not answer
 * in time, with the last one the root knows. A short-lived child of the root, one per request.
 *
 * <p>Threading: {@code corral.actor-dispatcher}, like its parent; it never blocks.
 */
final class ContainersAggregator {
  private ContainersAggregator() {}

  /** A container as the root knows it; {@code ref} is null when its actor is gone. */
  record Known(ActorRef<ContainerActor.Command> ref, ContainerSnapshot last) {}

  interface Msg {}

  private record Got(ContainerSnapshot snapshot) implements Msg {}

  private enum Timeout implements Msg { INSTANCE }

  static Behavior<Msg> create(List<Known> known, Duration timeout, ActorRef<Containerizer.Containers> replyTo) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      Map<String, ContainerSnapshot> snapshots = new LinkedHashMap<>();
      ActorRef<ContainerSnapshot> adapter = context.messageAdapter(ContainerSnapshot.class, Got::new);
      int[] pending = {0};
      for (Known k : known) {
        snapshots.put(k.last().id().getValue(), k.last());
        if (k.ref() != null) {
          k.ref().tell(new ContainerActor.GetSnapshot(adapter));
          pending[0]++;
        }
      }
      Runnable reply = () -> replyTo.tell(new Containerizer.Containers(new ArrayList<>(snapshots.values())));
      if (pending[0] == 0) {
        reply.run();
        return Behaviors.stopped();
      }
      timers.startSingleTimer(Timeout.INSTANCE, timeout);
      return Behaviors.receive(Msg.class)
          .onMessage(Got.class, got -> {
            snapshots.replace(got.snapshot().id().getValue(), got.snapshot());
            if (--pending[0] > 0) {
              return Behaviors.same();
            }
            reply.run();
            return Behaviors.stopped();
          })
          .onMessageEquals(Timeout.INSTANCE, () -> {
            context.getLog().warn("{} containers did not report within {}; listing their last known state",
                pending[0], timeout);
            reply.run();
            return Behaviors.stopped();
          })
          .build();
    }));
  }
}
