package io.corral.actors.container;

import io.corral.actors.ContainerError;
import io.corral.actors.Containerizer;
import io.corral.actors.container.ContainerServices.IsolatorRef;
import io.corral.actors.container.IsolatorProtocol.Failed;
import io.corral.actors.container.IsolatorProtocol.Reply;
import io.corral.actors.container.IsolatorProtocol.Updated;
import io.corral.actors.launch.Checkpoints;
import io.corral.isolators.Phase;
import io.corral.proto.v1.ContainerConfig;
import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.Resource;
import io.corral.proto.v1.Value;
import io.corral.proto.v1.agent.Call;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
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
 * <p>The answer goes through the container ({@link Finished}): on success it takes the update's
 * requests and limits as its resources ({@link InUse}), which usage reports from then on
 * ({@code cpus_limit}, {@code mem_limit_bytes}, ...) and which it checkpoints in its
 * {@code config}, so an agent that recovers it reports them too; the caller hears
 * {@link Containerizer.Updated} once that checkpoint is written. A refused update leaves them as
 * they were. What is in flight lives in the RUNNING record ({@link Updates}).
 *
 * <p>Every {@link IsolatorActor} answers each command exactly once (a fault becomes
 * {@link Failed}), so there is no timeout here. Threading: {@code corral.actor-dispatcher}, never
 * blocks; {@link #rewriteConfig} runs on the blocking dispatcher.
 */
final class IsolatorUpdate {
  private IsolatorUpdate() {}

  private record Got(Reply reply) {}

  /** The update's answer, for the container to apply before it is passed on. */
  record Finished(ContainerActor.Update update, Containerizer.UpdateReply reply) implements ContainerActor.Command {}

  /** The config checkpoint with the updated resources was written (or failed to be). */
  record ConfigRewritten(Optional<ContainerError> error) implements ContainerActor.Command {}

  /**
   * The resources a container runs with (its launch's, then each successful update's: Mesos
   * replaces a container's requests and limits with those of the update) and the config
   * rewrites that checkpoint them: one in flight at a time ({@code writing}, whose answers wait
   * for it), the answers of updates applied since ({@code unwritten}, rewritten next, with the
   * latest resources), and the last rewrite's completion. Held by the RUNNING and DESTROYING
   * records; immutable but for the completion, which {@link #awaitWrites} reads on any thread.
   */
  record Updates(Call.LaunchContainer resources, List<Finished> writing, List<Finished> unwritten,
      CompletableFuture<Void> lastWrite) {

    static Updates of(Call.LaunchContainer launch) {
      return new Updates(launch, List.of(), List.of(), CompletableFuture.completedFuture(null));
    }

    private Updates applied(Finished finished) {
      ContainerActor.Update update = finished.update();
      Call.LaunchContainer.Builder updated = resources.toBuilder().clearResources()
          .addAllResources(update.requests()).clearLimits();
      update.limits().forEach((name, value) -> updated.putLimits(name, Value.Scalar.newBuilder().setValue(value).build()));
      List<Finished> queued = new ArrayList<>(unwritten);
      queued.add(finished);
      return new Updates(updated.build(), writing, List.copyOf(queued), lastWrite);
    }

    /**
     * Blocks until no config rewrite is in flight: the termination checkpoint waits for it, so
     * that REMOVE never races a rewrite in the directory it deletes. Any thread.
     */
    void awaitWrites() {
      lastWrite.join();
    }

    /** Answers every update still waiting for its checkpoint (the container terminated). */
    void answerAll() {
      writing.forEach(f -> f.update().replyTo().tell(f.reply()));
      unwritten.forEach(f -> f.update().replyTo().tell(f.reply()));
    }
  }

  /** A container's answer to {@link Finished}: apply a success (when RUNNING), checkpoint, then reply. */
  static Behavior<ContainerActor.Command> onFinished(ContainerServices s, Lifecycle phase, Finished finished) {
    if (finished.reply() instanceof Containerizer.Updated && phase instanceof Lifecycle.Running r) {
      Updates updates = r.updates().applied(finished);
      return ContainerActor.behavior(s, new Lifecycle.Running(r.init(),
          updates.writing().isEmpty() ? startRewrite(s, updates) : updates));
    }
    finished.update().replyTo().tell(finished.reply());
    return Behaviors.same();
  }

  static Behavior<ContainerActor.Command> onConfigRewritten(ContainerServices s, Lifecycle phase,
      ConfigRewritten written) {
    written.error().ifPresent(e -> s.log().warn("Failed to checkpoint the updated resources of container '{}': {}",
        s.id(), e.message()));
    Updates updates = phase instanceof Lifecycle.Running r ? r.updates()
        : phase instanceof Lifecycle.Destroying d ? d.updates() : null;
    if (updates == null) { // terminated: every answer went out with the termination
      return Behaviors.same();
    }
    updates.writing().forEach(f -> f.update().replyTo().tell(f.reply()));
    Updates next = new Updates(updates.resources(), List.of(), updates.unwritten(), updates.lastWrite());
    if (phase instanceof Lifecycle.Running r) {
      return ContainerActor.behavior(s, new Lifecycle.Running(r.init(),
          next.unwritten().isEmpty() ? next : startRewrite(s, next)));
    }
    // Being destroyed: applied by the isolators, no longer worth a checkpoint.
    next.unwritten().forEach(f -> f.update().replyTo().tell(f.reply()));
    Lifecycle.Destroying d = (Lifecycle.Destroying) phase;
    return ContainerActor.behavior(s, new Lifecycle.Destroying(d.termination(), d.launchError(),
        new Updates(next.resources(), List.of(), List.of(), next.lastWrite()), d.initPid(), d.toClean(),
        d.exitStatus(), d.step()));
  }

  private static Updates startRewrite(ContainerServices s, Updates updates) {
    Call.LaunchContainer launch = updates.resources();
    Path config = s.layout().config(s.id());
    CompletableFuture<Void> written = new CompletableFuture<>();
    s.io(() -> {
      try {
        rewriteConfig(config, launch);
      } finally {
        written.complete(null);
      }
    }, "checkpoint '" + config + "'", ConfigRewritten::new);
    return new Updates(launch, updates.unwritten(), List.of(), written);
  }

  /** Replaces the launch in the {@code config} checkpoint, keeping the rest (the plan). */
  static void rewriteConfig(Path config, Call.LaunchContainer launch) throws IOException {
    ContainerConfig old = ContainerConfig.parseFrom(Files.readAllBytes(config));
    Checkpoints.write(config, old.toBuilder().setLaunch(launch).build());
  }

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
  static Behavior<ContainerActor.Command> start(ContainerServices s, ContainerActor.Update update) {
    s.context().spawnAnonymous(create(s.isolators(), update, s.containerId(), s.context().getSelf()),
        ContainerizerActor.CHILD);
    return Behaviors.same();
  }

  private static Behavior<Got> create(List<IsolatorRef> isolators, ContainerActor.Update update, ContainerID id,
      ActorRef<ContainerActor.Command> container) {
    return Behaviors.setup(context -> {
      if (isolators.isEmpty()) {
        container.tell(new Finished(update, new Containerizer.Updated(id)));
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
            container.tell(new Finished(update, reply(id, failures)));
            return Behaviors.stopped();
          })
          .build();
    });
  }

  private static Containerizer.UpdateReply reply(ContainerID id, Failed[] failures) {
    List<ContainerError> errors = new ArrayList<>();
    for (Failed f : failures) {
      if (f != null) {
        errors.add(f.error());
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
