package io.corral.actors;

import io.corral.actors.ContainerLaunch.IsolatorRef;
import io.corral.actors.IsolatorProtocol.Failed;
import io.corral.actors.IsolatorProtocol.Reply;
import io.corral.actors.IsolatorProtocol.Updated;
import io.corral.isolators.Phase;
import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.Resource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * A short-lived child of a RUNNING {@link ContainerActor} that runs one
 * {@link Containerizer.Update}: it sends the new requests and limits to every isolator at once
 * (as Mesos' containerizer calls {@code update} on all isolators in parallel), waits for every
 * answer, and replies {@link Containerizer.Updated} when all succeeded, else
 * {@link Containerizer.Rejected} with the failed isolators named in isolator order
 * ({@link ContainerError.IsolatorFailed} for one, joined with {@code "; "} for several). Then it
 * stops. The container keeps running either way: unlike the Mesos agent, which destroys an
 * executor's container whose update failed (REASON_CONTAINER_UPDATE_FAILED), an update here is
 * a caller's request that may be refused, like {@code cgroups/mem} refusing a limit below the
 * current usage before it writes anything. Isolators that succeeded keep the new values. An
 * isolator whose update hangs past {@code --isolator_phase_timeout} is a fault, not a refusal:
 * its {@link IsolatorActor} also tells the container, which is destroyed.
 *
 * <p>Every {@link IsolatorActor} answers each command exactly once (a fault becomes
 * {@link Failed}), so there is no timeout here. Threading: the default dispatcher, never blocks.
 */
final class IsolatorUpdate {
  private IsolatorUpdate() {}

  private record Got(Reply reply) {}

  /** Refuses values no isolator could apply: negative, NaN, or infinite requests. */
  static Optional<ContainerError> validate(Containerizer.Update update) {
    for (Resource resource : update.requests()) {
      double value = resource.hasScalar() ? resource.getScalar().getValue() : 0;
      if (resource.getName().isEmpty() || !(value >= 0) || Double.isInfinite(value)) {
        return Optional.of(new ContainerError.InvalidRequest("Failed to update container '"
            + update.id().getValue() + "': invalid request for resource '" + resource.getName()
            + "' (" + value + ")"));
      }
    }
    for (Map.Entry<String, Double> limit : update.limits().entrySet()) {
      if (limit.getKey().isEmpty() || limit.getValue() == null || !(limit.getValue() >= 0)) {
        return Optional.of(new ContainerError.InvalidRequest("Failed to update container '"
            + update.id().getValue() + "': invalid limit for resource '" + limit.getKey()
            + "' (" + limit.getValue() + ")"));
      }
    }
    return Optional.empty();
  }

  /** Spawns the child that runs {@code update} for a RUNNING container; the container stays as it is. */
  static <C> Behavior<C> start(org.apache.pekko.actor.typed.javadsl.ActorContext<C> context,
      List<IsolatorRef> isolators, ContainerActor.Update update, ContainerID id) {
    context.spawnAnonymous(create(isolators, update, id));
    return Behaviors.same();
  }

  private static Behavior<Got> create(List<IsolatorRef> isolators, ContainerActor.Update update, ContainerID id) {
    return Behaviors.setup(context -> {
      if (isolators.isEmpty()) {
        update.replyTo().tell(new Containerizer.Updated(id));
        return Behaviors.stopped();
      }
      ActorRef<Reply> adapter = context.messageAdapter(Reply.class, Got::new);
      for (IsolatorRef isolator : isolators) {
        isolator.ref().tell(new IsolatorProtocol.Update(update.requests(), update.limits(), adapter));
      }
      List<String> names = isolators.stream().map(IsolatorRef::name).toList();
      Failed[] failures = new Failed[names.size()];
      boolean[] answered = new boolean[names.size()];
      int[] pending = {names.size()};
      return Behaviors.receive(Got.class)
          .onMessage(Got.class, got -> {
            int index = names.indexOf(got.reply().isolator());
            boolean isUpdate = got.reply() instanceof Updated
                || got.reply() instanceof Failed f && f.phase() == Phase.UPDATE;
            if (index < 0 || answered[index] || !isUpdate) {
              context.getLog().debug("Ignoring isolator reply [{}]", got.reply());
              return Behaviors.same();
            }
            answered[index] = true;
            if (got.reply() instanceof Failed f) {
              failures[index] = f;
            }
            if (--pending[0] > 0) {
              return Behaviors.same();
            }
            update.replyTo().tell(reply(id, failures));
            return Behaviors.stopped();
          })
          .build();
    });
  }

  private static Containerizer.UpdateReply reply(ContainerID id, Failed[] failures) {
    List<ContainerError> errors = new ArrayList<>();
    for (Failed f : failures) {
      if (f != null) {
        errors.add(new ContainerError.IsolatorFailed(f.isolator(), f.phase(), f.message()));
      }
    }
    if (errors.isEmpty()) {
      return new Containerizer.Updated(id);
    }
    ContainerError error = errors.size() == 1 ? errors.get(0) : new ContainerError.Internal(
        String.join("; ", errors.stream().map(ContainerError::message).toList()));
    return new Containerizer.Rejected(error);
  }
}
