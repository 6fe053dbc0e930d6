package io.corral.actors.container;

import io.corral.actors.ContainerError;
import io.corral.actors.Containerizer;
import io.corral.actors.ContainerizerSettings;
import io.corral.actors.Failures;
import io.corral.actors.Layout;
import io.corral.actors.container.ContainerActor.Command;
import io.corral.actors.launch.LauncherActor;
import io.corral.isolators.ContainerContext;
import io.corral.posix.launch.Stdio;
import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.ContainerStatus;
import io.corral.proto.v1.ResourceStatistics;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.slf4j.Logger;

/**
 * What every phase of one container works with, built once when its actor starts and passed to
 * each behavior function by value: the actor's context and timers, the containerizer's settings
 * and configuration, the on-disk layout, the container, its stdio, the root, its launcher and
 * isolator actors (in prepare order), the blocking executor, who waits for answers
 * ({@link Askers}) and the transition log ({@link Transitions}).
 *
 * <p>Threading: the container actor's own ({@code corral.actor-dispatcher}); {@link #io} runs its
 * step on the blocking dispatcher and comes back with {@code pipeToSelf}.
 */
record ContainerServices(
    ActorContext<Command> context,
    TimerScheduler<Command> timers,
    ContainerizerSettings settings,
    ActorsConfig config,
    Layout layout,
    ContainerContext container,
    Stdio stdio,
    ActorRef<Containerizer.Command> root,
    ActorRef<LauncherActor.Command> launcher,
    List<IsolatorRef> isolators,
    Executor blocking,
    Askers askers,
    Transitions transitions) {

  /** One isolator of this container and the actor that runs it. */
  record IsolatorRef(String name, ActorRef<IsolatorProtocol.Command> ref) {}

  /** A file system step, run on the blocking dispatcher. */
  interface IoStep {
    void run() throws IOException;
  }

  /** The same services for the container as it is now (its root filesystem provisioned). */
  ContainerServices withContainer(ContainerContext now) {
    return new ContainerServices(context, timers, settings, config, layout, now, stdio, root, launcher, isolators,
        blocking, askers, transitions);
  }

  String id() {
    return container.name();
  }

  ContainerID containerId() {
    return container.id();
  }

  Logger log() {
    return context.getLog();
  }

  ActorRef<IsolatorProtocol.Reply> self() {
    return context.getSelf().narrow();
  }

  /**
   * Runs {@code step} on the blocking dispatcher; {@code done} gets its failure, if any, as
   * {@code Failed to <what>: <cause>}.
   */
  void io(IoStep step, String what, Function<Optional<ContainerError>, Command> done) {
    CompletableFuture<Optional<ContainerError>> result = CompletableFuture.supplyAsync(() -> {
      try {
        step.run();
        return Optional.empty();
      } catch (IOException | RuntimeException e) {
        return Optional.of(new ContainerError.Internal("Failed to " + what + ": " + Failures.describe(e)));
      }
    }, blocking);
    context.pipeToSelf(result, (error, thrown) -> done.apply(thrown == null ? error
        : Optional.of(new ContainerError.Internal("Failed to " + what + ": " + Failures.describe(thrown)))));
  }

  /** The usage of a container in {@code phase}: {@code partial} from its isolators, and its limits. */
  ResourceStatistics statistics(Lifecycle phase, ResourceStatistics partial) {
    return ContainerStats.finish(partial == null ? ResourceStatistics.newBuilder().buildPartial() : partial,
        phase.resources());
  }

  Containerizer.ContainerSnapshot snapshot(Lifecycle phase, ResourceStatistics partial, ContainerStatus isolators) {
    ContainerStatus.Builder status = ContainerStatus.newBuilder();
    if (isolators != null) {
      status.mergeFrom(isolators);
    }
    status.setContainerId(container.id());
    phase.initPid().ifPresent(status::setExecutorPid);
    return new Containerizer.ContainerSnapshot(container.id(), phase.state(), status.build(),
        statistics(phase, partial),
        phase instanceof Lifecycle.Terminated t ? Optional.of(t.termination()) : Optional.empty());
  }

  /** Asks every isolator for usage and status; the merged answer comes back as Collected. */
  void collect(Command request) {
    List<ActorRef<IsolatorProtocol.Command>> refs = isolators.stream().map(IsolatorRef::ref).toList();
    List<String> names = isolators.stream().map(IsolatorRef::name).toList();
    context.spawnAnonymous(UsageCollector.create(refs, names, config.usageTimeout(), request, context.getSelf()),
        ContainerizerActor.CHILD);
  }

  void tellIsolator(int index, IsolatorProtocol.Command command) {
    isolators.get(index).ref().tell(command);
  }
}
