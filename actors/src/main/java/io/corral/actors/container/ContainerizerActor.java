package io.corral.actors.container;

import io.corral.actors.ContainerError;
import io.corral.actors.ContainerState;
import io.corral.actors.Containerizer.ContainerSnapshot;
import io.corral.actors.Containerizer;
import io.corral.actors.ContainerizerSettings;
import io.corral.actors.Failures;
import io.corral.actors.Layout;
import io.corral.actors.disk.DiskWatchActor;
import io.corral.actors.launch.Checkpoints;
import io.corral.actors.metrics.MetricsRecorder;
import io.corral.actors.recovery.Recovery;
import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.ContainerTermination;
import io.corral.proto.v1.TaskState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * The containerizer root: the registry of containers (id to {@link ContainerActor} and its last
 * known snapshot). It validates launches before anything is created, spawns one
 * {@link ContainerActor} per container, forwards Wait, Kill and Usage to it, lists containers
 * through a per-request {@link ContainersAggregator}, and on Remove of a terminated container
 * stops its actor, deletes its sandbox and runtime directory and forgets it. With
 * {@code disk/du}, or {@code disk/xfs} with {@code --xfs_kill_containers}, it also spawns the
 * agent-wide {@link DiskWatchActor}.
 *
 * <p>With recovery on, it first rebuilds the containers an earlier run left (see
 * {@link Recovery} and {@link RecoveredContainer}), stashing every command until then, and its
 * containers outlive it; without, they are killed when it stops.
 *
 * <p>Threading: runs on {@code corral.actor-dispatcher} and never blocks; recovery and directory
 * removal run on the blocking dispatcher and come back with {@code pipeToSelf}. The
 * {@code corral.actors} configuration is read once, here ({@link ActorsConfig}).
 */
public final class ContainerizerActor extends AbstractBehavior<Containerizer.Command> {

  /** A container's state changed (sent by the container on every transition). */
  record SnapshotChanged(ContainerSnapshot snapshot) implements Containerizer.Command {}

  private record ContainerStopped(String id, ActorRef<ContainerActor.Command> ref) implements Containerizer.Command {}

  /** Where every Corral actor runs (reference.conf says why). */
  static final String DISPATCHER = "corral.actor-dispatcher";
  /** For every actor Corral spawns below its root: children do not inherit a dispatcher. */
  public static final org.apache.pekko.actor.typed.Props CHILD = DispatcherSelector.sameAsParent();

  private record Deleted(String id, ActorRef<Containerizer.RemoveReply> replyTo, Optional<ContainerError> error)
      implements Containerizer.Command {}

  /**
   * One known container: its actor ({@code null} once the actor stopped unexpectedly) and its
   * last known snapshot. The container answers its own requests (see {@link Askers}).
   */
  private static final class Entry {
    ActorRef<ContainerActor.Command> ref;
    ContainerSnapshot last;
    boolean removing;
  }

  private final ContainerizerSettings settings;
  private final ActorsConfig config;
  private final Layout paths;
  /** Whether containers outlive this actor (recovery on): their actors then never kill them. */
  private final boolean detached;
  private final Map<String, Entry> containers = new LinkedHashMap<>();
  private long launches;

  /** {@code detached}: the containers outlive this actor (recovery is on). */
  ContainerizerActor(ActorContext<Containerizer.Command> context, ContainerizerSettings settings, boolean detached) {
    super(context);
    this.settings = settings;
    this.config = ActorsConfig.fromConfig(context.getSystem().settings().config());
    this.paths = new Layout(settings.workDir(), settings.runtimeDir());
    this.detached = detached;
    DiskWatchActor.spawnIfNeeded(context, settings);
  }

  /** Rebuilds one container actor per recovered container; returns how many. */
  int onRecovered(ContainerizerStart.Recovered done) {
    if (done.error() != null) {
      // Recovery decides per container and never throws; this is a bug. Serve without them.
      getContext().getLog().error("Failed to recover containers: {}", Failures.describe(done.error()));
      return 0;
    }
    for (Recovery.Found found : done.found()) {
      ContainerID id = found.container().id();
      Entry entry = new Entry();
      entry.ref = getContext().spawn(ContainerActor.recovered(settings, config, paths, found, getContext().getSelf()),
          "container-" + id.getValue() + "-" + ++launches, CHILD);
      entry.last = RecoveredContainer.snapshot(found);
      getContext().watchWith(entry.ref, new ContainerStopped(id.getValue(), entry.ref));
      containers.put(id.getValue(), entry);
    }
    getContext().getLog().info("Recovered {} containers", done.found().size());
    return done.found().size();
  }

  @Override
  public Receive<Containerizer.Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Containerizer.Launch.class, this::onLaunch)
        .onMessage(Containerizer.Wait.class, this::onWait)
        .onMessage(Containerizer.Kill.class, this::onKill)
        .onMessage(Containerizer.Usage.class, this::onUsage)
        .onMessage(Containerizer.Update.class, this::onUpdate)
        .onMessage(Containerizer.Remove.class, this::onRemove)
        .onMessage(Containerizer.GetContainers.class, this::onGetContainers)
        .onMessage(Containerizer.PruneImages.class, p -> ImagePruning.prune(getContext(), settings.provisioner(), p,
            this))
        .onMessage(SnapshotChanged.class, this::onSnapshotChanged)
        .onMessage(ContainerStopped.class, this::onContainerStopped)
        .onMessage(Deleted.class, this::onDeleted)
        .onSignal(org.apache.pekko.actor.typed.PostStop.class, s -> onPostStop())
        .build();
  }

  /** Its containers' actors have stopped (killing what still ran): release the launcher's locks. */
  private Behavior<Containerizer.Command> onPostStop() {
    settings.launcher().close();
    return this;
  }

  private Behavior<Containerizer.Command> onLaunch(Containerizer.Launch launch) {
    Optional<ContainerError> invalid = LaunchValidation.validate(launch.request(), settings);
    if (invalid.isPresent()) {
      getContext().getLog().warn("Refusing to launch: {}", invalid.get().message());
      launch.replyTo().tell(new Containerizer.Rejected(invalid.get()));
      return this;
    }
    ContainerID id = launch.request().getContainerId();
    if (containers.containsKey(id.getValue())) {
      launch.replyTo().tell(new Containerizer.AlreadyLaunched(id));
      return this;
    }
    Entry entry = new Entry();
    entry.ref = getContext().spawn(
        ContainerActor.create(settings, config, paths, launch.request(), launch.stdio(), launch.replyTo(),
            getContext().getSelf(), detached),
        "container-" + id.getValue() + "-" + ++launches, CHILD);
    entry.last = new ContainerSnapshot(id, ContainerState.PROVISIONING,
        io.corral.proto.v1.ContainerStatus.newBuilder().setContainerId(id).build(),
        ContainerStats.finish(io.corral.proto.v1.ResourceStatistics.newBuilder().buildPartial(), launch.request()),
        Optional.empty());
    getContext().watchWith(entry.ref, new ContainerStopped(id.getValue(), entry.ref));
    containers.put(id.getValue(), entry);
    return this;
  }

  private Behavior<Containerizer.Command> onWait(Containerizer.Wait wait) {
    Entry entry = live(wait.id(), wait.replyTo());
    if (entry != null && entry.ref != null) {
      entry.ref.tell(new ContainerActor.Wait(wait.replyTo()));
    } else if (entry != null) {
      wait.replyTo().tell(new Containerizer.Terminated(wait.id(), entry.last.termination().orElseThrow()));
    }
    return this;
  }

  private Behavior<Containerizer.Command> onKill(Containerizer.Kill kill) {
    Entry entry = live(kill.id(), kill.replyTo());
    if (entry != null && entry.ref != null) {
      entry.ref.tell(new ContainerActor.Kill(kill.signal(), kill.replyTo()));
    } else if (entry != null) {
      kill.replyTo().tell(new Containerizer.Killed(kill.id()));
    }
    return this;
  }

  private Behavior<Containerizer.Command> onUsage(Containerizer.Usage usage) {
    Entry entry = live(usage.id(), usage.replyTo());
    if (entry != null && entry.ref != null) {
      entry.ref.tell(new ContainerActor.Usage(usage.replyTo()));
    } else if (entry != null) {
      usage.replyTo().tell(new Containerizer.Rejected(
          new ContainerError.InvalidState(usage.id(), entry.last.state(), "Failed to get usage")));
    }
    return this;
  }

  private Behavior<Containerizer.Command> onUpdate(Containerizer.Update update) {
    Optional<ContainerError> invalid = IsolatorUpdate.validate(update);
    Entry entry = invalid.isPresent() ? null : live(update.id(), update.replyTo());
    if (invalid.isPresent()) {
      update.replyTo().tell(new Containerizer.Rejected(invalid.get()));
    } else if (entry != null && entry.ref != null) {
      entry.ref.tell(new ContainerActor.Update(update.requests(), update.limits(), update.replyTo()));
    } else if (entry != null) {
      update.replyTo().tell(new Containerizer.Rejected(
          new ContainerError.InvalidState(update.id(), entry.last.state(), "Failed to update")));
    }
    return this;
  }

  private Behavior<Containerizer.Command> onRemove(Containerizer.Remove remove) {
    Entry entry = live(remove.id(), remove.replyTo());
    if (entry == null) {
      return this;
    }
    if (entry.last.state() != ContainerState.TERMINATED) {
      remove.replyTo().tell(new Containerizer.Rejected(new ContainerError.InvalidState(
          remove.id(), entry.last.state(), "Failed to remove container '" + remove.id().getValue() + "'")));
      return this;
    }
    entry.removing = true;
    MetricsRecorder.of(settings.metrics()).removed(ContainerState.TERMINATED);
    if (entry.ref != null) {
      getContext().unwatch(entry.ref);
      getContext().stop(entry.ref);
    }
    String id = remove.id().getValue();
    CompletableFuture<Void> deleted = CompletableFuture.runAsync(() -> {
      try {
        Checkpoints.deleteRecursively(paths.sandbox(id));
        Checkpoints.deleteRecursively(paths.runtime(id));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }, getContext().getSystem().dispatchers().lookup(DispatcherSelector.fromConfig(IsolatorActor.BLOCKING_DISPATCHER)));
    getContext().pipeToSelf(deleted, (ok, error) -> new Deleted(id, remove.replyTo(),
        Optional.ofNullable(error).map(e -> new ContainerError.Internal(
            "Failed to remove container '" + id + "': " + Failures.describe(e)))));
    return this;
  }

  private Behavior<Containerizer.Command> onDeleted(Deleted deleted) {
    Entry entry = containers.remove(deleted.id());
    ContainerID id = entry != null ? entry.last.id() : ContainerID.newBuilder().setValue(deleted.id()).build();
    if (deleted.error().isPresent()) {
      deleted.replyTo().tell(new Containerizer.Rejected(deleted.error().get()));
    } else {
      getContext().getLog().info("Removed container [{}]", deleted.id());
      deleted.replyTo().tell(new Containerizer.Removed(id));
    }
    return this;
  }

  private Behavior<Containerizer.Command> onGetContainers(Containerizer.GetContainers request) {
    List<ContainersAggregator.Known> known = new ArrayList<>();
    containers.values().stream().filter(e -> !e.removing)
        .forEach(e -> known.add(new ContainersAggregator.Known(e.ref, e.last)));
    getContext().spawnAnonymous(ContainersAggregator.create(known, config.listTimeout(), request.replyTo()), CHILD);
    return this;
  }

  private Behavior<Containerizer.Command> onSnapshotChanged(SnapshotChanged changed) {
    Entry entry = containers.get(changed.snapshot().id().getValue());
    if (entry != null && !entry.removing) {
      entry.last = changed.snapshot();
    }
    return this;
  }

  /**
   * A container actor stopped without Remove: a bug (its {@link Askers} answered whoever
   * waited). Keep it listed as failed; a request forwarded just before the root heard of the
   * stop is lost with the actor's mailbox.
   */
  private Behavior<Containerizer.Command> onContainerStopped(ContainerStopped stopped) {
    Entry entry = containers.get(stopped.id());
    if (entry == null || entry.removing || entry.ref != stopped.ref()) {
      return this;
    }
    getContext().getLog().error("The actor of container [{}] stopped unexpectedly", stopped.id());
    entry.ref = null;
    ContainerTermination termination = entry.last.termination().orElse(ContainerTermination.newBuilder()
        .setState(TaskState.TASK_FAILED).setMessage(Askers.STOPPED).build());
    ContainerSnapshot last = entry.last;
    entry.last = new ContainerSnapshot(last.id(), ContainerState.TERMINATED, last.status(), last.statistics(),
        Optional.of(termination));
    return this;
  }

  /** The entry for {@code id}, or null after answering {@code replyTo} with NotFound. */
  private <R> Entry live(ContainerID id, ActorRef<R> replyTo) {
    Entry entry = containers.get(id.getValue());
    if (entry == null || entry.removing) {
      getContext().getLog().warn("Ignoring a request for unknown container [{}]", id.getValue());
      @SuppressWarnings("unchecked")
      ActorRef<Containerizer.Rejected> rejected = (ActorRef<Containerizer.Rejected>) (ActorRef<?>) replyTo;
      rejected.tell(new Containerizer.Rejected(new ContainerError.NotFound(id)));
      return null;
    }
    return entry;
  }
}
