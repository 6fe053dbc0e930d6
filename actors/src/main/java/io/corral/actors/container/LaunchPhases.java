package io.corral.actors.container;

import io.corral.actors.ContainerError;
import io.corral.actors.Layout;
import io.corral.actors.container.ContainerActor.Command;
import io.corral.actors.container.IsolatorProtocol.Failed;
import io.corral.actors.container.IsolatorProtocol.LimitationReached;
import io.corral.actors.container.IsolatorProtocol.Prepared;
import io.corral.actors.container.Lifecycle.AwaitingIsolators;
import io.corral.actors.container.Lifecycle.Exit;
import io.corral.actors.container.Lifecycle.Forking;
import io.corral.actors.container.Lifecycle.Isolating;
import io.corral.actors.container.Lifecycle.Preparing;
import io.corral.actors.container.Lifecycle.Releasing;
import io.corral.actors.container.Lifecycle.Running;
import io.corral.actors.launch.Checkpoints;
import io.corral.actors.launch.LauncherActor.ForkFailed;
import io.corral.actors.launch.LauncherActor.Forked;
import io.corral.actors.launch.LauncherActor.PidsNotCheckpointed;
import io.corral.actors.launch.LauncherActor.ProcessExited;
import io.corral.actors.launch.LauncherActor.ReleaseFailed;
import io.corral.actors.launch.LauncherActor.Released;
import io.corral.actors.launch.LauncherActor;
import io.corral.actors.metrics.MetricsRecorder;
import io.corral.isolators.IsolatorException;
import io.corral.isolators.LaunchPlans;
import io.corral.posix.launch.LaunchException;
import io.corral.proto.v1.ContainerTermination;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.TaskState;
import io.corral.proto.v1.TaskStatus;
import io.corral.proto.v1.agent.Call;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The launching phases of a container, as functions of their records. PREPARING creates the
 * sandbox and runtime directory, checkpoints the config, asks every isolator to prepare,
 * serially and in order, and merges the plan. ISOLATING asks the launcher for its one fork step
 * (config checkpoint with the plan, fork, pids checkpoint), arms every isolator's watch,
 * isolates on all of them in parallel and releases the init: the container is RUNNING when the
 * release says the command was exec'd. Any failure destroys the container with a
 * REASON_CONTAINER_LAUNCH_FAILED termination, and the launch hears why once it is TERMINATED.
 *
 * <p>Threading: the container actor's own, never blocking.
 */
final class LaunchPhases {
  private LaunchPhases() {}

  /** The sandbox, runtime directory and first config checkpoint were written (or not). */
  record DirsCreated(Optional<ContainerError> error) implements Command {}

  /** The launch did not reach exec within {@code launchTimeout}. */
  enum LaunchTimedOut implements Command { INSTANCE }

  /** The first phase of a launched container. */
  static Behavior<Command> start(ContainerServices s) {
    s.io(() -> {
      Checkpoints.createDirectories(s.container());
      Checkpoints.write(s.layout().config(s.id()), Checkpoints.config(s.container(), s.settings().isolators(), null));
    }, "create sandbox '" + s.container().sandbox() + "' and runtime directory '" + s.container().runtimeDir()
        + "'", DirsCreated::new);
    return ProvisionPhase.needed(s.container().launch())
        ? Transitions.enter(s, new Lifecycle.Provisioning(s.container().launch()))
        : Transitions.enter(s, new Preparing(s.container().launch(), 0, List.of()));
  }

  /** Asks the isolators to prepare, the first first ({@code s} knows the container's root filesystem). */
  static Behavior<Command> prepare(ContainerServices s, Call.LaunchContainer resources) {
    return prepareNext(s, new Preparing(resources, 0, List.of()));
  }

  static Behavior<Command> preparing(ContainerServices s, Preparing p) {
    return ContainerActor.common(s, p, BehaviorBuilder.<Command>create()
        .onMessage(DirsCreated.class, d -> d.error().isPresent() ? failLaunch(s, p, d.error().get()) : prepareNext(s, p))
        .onMessage(Prepared.class, r -> onPrepared(s, p, r))
        .onMessage(Failed.class, f -> failLaunch(s, p, f.error())));
  }

  private static Behavior<Command> onPrepared(ContainerServices s, Preparing p, Prepared result) {
    if (p.asked() == 0 || !s.isolators().get(p.asked() - 1).name().equals(result.isolator())) {
      return Behaviors.same();
    }
    List<Map.Entry<String, LaunchPlan>> fragments = new ArrayList<>(p.fragments());
    fragments.add(new AbstractMap.SimpleImmutableEntry<>(result.isolator(), result.fragment()));
    return prepareNext(s, new Preparing(p.resources(), p.asked(), List.copyOf(fragments)));
  }

  private static Behavior<Command> prepareNext(ContainerServices s, Preparing p) {
    if (p.asked() < s.isolators().size()) {
      s.tellIsolator(p.asked(), new IsolatorProtocol.Prepare(s.container(), s.self()));
      return ContainerActor.behavior(s, new Preparing(p.resources(), p.asked() + 1, p.fragments()));
    }
    LaunchPlan plan;
    try {
      plan = LaunchPlans.complete(LaunchPlans.merge(p.fragments()), s.container().launch().getCommand())
          .toBuilder().setVersion(1).setStatusPath(s.layout().status(s.id()).toString()).build();
      if (s.settings().logRotation() != null) {
        plan = s.settings().logRotation().overriddenBy(s.container().launch().getCommand().getEnvironment())
            .apply(plan, s.stdio());
      }
    } catch (IsolatorException | IllegalArgumentException e) {
      return failLaunch(s, p, new ContainerError.LaunchFailed(e.getMessage()));
    }
    if (s.settings().launchTimeout() != null) {
      s.timers().startSingleTimer(LaunchTimedOut.INSTANCE, s.settings().launchTimeout());
    }
    s.launcher().tell(new LauncherActor.Fork(plan, s.stdio(), Optional.of(new LauncherActor.ForkCheckpoints(
        s.layout().config(s.id()), Checkpoints.config(s.container(), s.settings().isolators(), plan),
        s.layout().pids(s.id()), s.settings().linux()))));
    return Transitions.enter(s, new Isolating(p.resources(), new Forking()));
  }

  static Behavior<Command> isolating(ContainerServices s, Isolating i) {
    return ContainerActor.common(s, i, BehaviorBuilder.<Command>create()
        .onMessage(Forked.class, f -> onForked(s, i, f))
        .onMessage(ForkFailed.class, f -> failLaunch(s, new Isolating(i.resources(), new Lifecycle.NotForked()),
            f.error()))
        .onMessage(PidsNotCheckpointed.class, f -> failLaunch(s,
            new Isolating(i.resources(), new AwaitingIsolators(f.initPid(), 0)), f.error()))
        .onMessage(IsolatorProtocol.Isolated.class, x -> onIsolated(s, i))
        .onMessage(Failed.class, f -> failLaunch(s, i, f.error()))
        .onMessage(LimitationReached.class, l -> DestroyPhase.destroy(s, i, limitation(l.limitation()),
            Optional.of(new ContainerError.LimitationReached(l.limitation())), Optional.empty()))
        .onMessage(Released.class, r -> onReleased(s, i))
        .onMessage(ReleaseFailed.class, f -> failLaunch(s, i, f.failure()))
        .onMessage(ProcessExited.class, e -> onExited(s, i, e))
        .onMessageEquals(LaunchTimedOut.INSTANCE, () -> failLaunch(s, i, new ContainerError.LaunchFailed(
            "exec did not happen within " + s.settings().launchTimeout().toMillis() + "ms"))));
  }

  private static Behavior<Command> onForked(ContainerServices s, Isolating i, Forked forked) {
    if (!(i.fork() instanceof Forking)) {
      return Behaviors.same();
    }
    s.isolators().forEach(x -> x.ref().tell(new IsolatorProtocol.Watch(s.self())));
    s.isolators().forEach(x -> x.ref().tell(new IsolatorProtocol.Isolate(forked.initPid(), s.self())));
    return next(s, i, forked.initPid(), s.isolators().size());
  }

  private static Behavior<Command> onIsolated(ContainerServices s, Isolating i) {
    return i.fork() instanceof AwaitingIsolators a ? next(s, i, a.init(), a.pending() - 1) : Behaviors.same();
  }

  /** Waits for {@code pending} more isolators, or releases the init when none is left. */
  private static Behavior<Command> next(ContainerServices s, Isolating i, int init, int pending) {
    if (pending > 0) {
      return ContainerActor.behavior(s, new Isolating(i.resources(), new AwaitingIsolators(init, pending)));
    }
    if (FetchPhase.needed(s)) {
      return FetchPhase.fetch(s, i.resources(), init);
    }
    s.launcher().tell(LauncherActor.Release.INSTANCE);
    return ContainerActor.behavior(s, new Isolating(i.resources(), new Releasing(init, Optional.empty())));
  }

  /**
   * NOTE: a command as short as {@code true} may exit before the release call returns, so the
   * exit can arrive first; once released, the release's answer decides whether it launched.
   */
  private static Behavior<Command> onExited(ContainerServices s, Isolating i, ProcessExited exit) {
    Exit exited = new Exit(exit.status());
    if (i.fork() instanceof Releasing r) {
      return ContainerActor.behavior(s, new Isolating(i.resources(), new Releasing(r.init(), Optional.of(exited))));
    }
    return DestroyPhase.destroy(s, i, launchFailedTermination(LaunchException.exitedBeforeExec().getMessage()),
        Optional.of(new ContainerError.LaunchFailed(LaunchException.exitedBeforeExec().getMessage())),
        Optional.of(exited));
  }

  private static Behavior<Command> onReleased(ContainerServices s, Isolating i) {
    return i.fork() instanceof Releasing r ? launched(s, i.resources(), r) : Behaviors.same();
  }

  /** The release says the command was exec'd: RUNNING, or DESTROYING at once if it already exited. */
  static Behavior<Command> launched(ContainerServices s, Call.LaunchContainer resources, Releasing r) {
    s.timers().cancel(LaunchTimedOut.INSTANCE);
    Running running = new Running(r.init(), IsolatorUpdate.Updates.of(resources));
    Behavior<Command> next = Transitions.enter(s, running);
    MetricsRecorder.of(s.settings().metrics()).launched(s.transitions().age());
    s.askers().launched();
    return r.exit().isPresent() ? DestroyPhase.destroy(s, running, ContainerTermination.getDefaultInstance(),
        Optional.empty(), r.exit()) : next;
  }

  /** SIGKILL destroys a container that is still launching; other signals cannot reach it yet. */
  static Behavior<Command> onKill(ContainerServices s, Lifecycle phase, ContainerActor.Kill kill) {
    if (kill.signal() != ContainerActor.SIGKILL) {
      return RunPhases.rejectSignal(s, phase, kill);
    }
    s.askers().awaitKill(kill.replyTo());
    return failLaunch(s, phase, new ContainerError.LaunchFailed("killed while " + phase.state()));
  }

  /** A bug in a handler (see {@link Containment}): fail the launch, or destroy a running container. */
  static Behavior<Command> onCrashed(ContainerServices s, Lifecycle phase, ContainerActor.Crashed crashed) {
    if (phase instanceof Lifecycle.Provisioning || phase instanceof Preparing || phase instanceof Isolating
        || phase instanceof Lifecycle.Fetching) {
      return failLaunch(s, phase, new ContainerError.Internal(crashed.detail()));
    } else if (phase instanceof Running) {
      return DestroyPhase.destroy(s, phase, failed("Failed to run container: " + crashed.detail()),
          Optional.empty(), Optional.empty());
    }
    return Behaviors.same();
  }

  /**
   * Destroys a container whose launch failed: the launch is answered with {@code error} once
   * TERMINATED, and the termination says why.
   */
  static Behavior<Command> failLaunch(ContainerServices s, Lifecycle phase, ContainerError error) {
    String detail = error instanceof ContainerError.LaunchFailed l ? l.detail() : error.message();
    return DestroyPhase.destroy(s, phase, launchFailedTermination(detail), Optional.of(error), Optional.empty());
  }

  static ContainerTermination launchFailedTermination(String detail) {
    return ContainerTermination.newBuilder()
        .setState(TaskState.TASK_FAILED)
        .setReason(TaskStatus.Reason.REASON_CONTAINER_LAUNCH_FAILED)
        .setMessage("Failed to launch container: " + detail)
        .build();
  }

  static ContainerTermination failed(String message) {
    return ContainerTermination.newBuilder().setState(TaskState.TASK_FAILED).setMessage(message).build();
  }


  static ContainerTermination limitation(io.corral.isolators.Limitation limitation) {
    ContainerTermination.Builder termination = ContainerTermination.newBuilder()
        .setState(TaskState.TASK_FAILED)
        .setMessage(limitation.message())
        .addAllLimitedResources(limitation.resources());
    if (limitation.reason() != null) {
      termination.setReason(limitation.reason());
    }
    return termination.build();
  }
}
