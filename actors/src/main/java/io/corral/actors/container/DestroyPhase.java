package io.corral.actors.container;

import io.corral.actors.ContainerError;
import io.corral.actors.Containerizer;
import io.corral.actors.container.ContainerActor.Command;
import io.corral.actors.container.ContainerActor.Kill;
import io.corral.actors.container.IsolatorProtocol.CleanedUp;
import io.corral.actors.container.IsolatorProtocol.Failed;
import io.corral.actors.container.Lifecycle.AwaitingFork;
import io.corral.actors.container.Lifecycle.AwaitingIsolators;
import io.corral.actors.container.Lifecycle.Checkpointing;
import io.corral.actors.container.Lifecycle.CleaningUp;
import io.corral.actors.container.Lifecycle.Destroying;
import io.corral.actors.container.Lifecycle.Dying;
import io.corral.actors.container.Lifecycle.Exit;
import io.corral.actors.container.Lifecycle.Fetching;
import io.corral.actors.container.Lifecycle.Isolating;
import io.corral.actors.container.Lifecycle.Killing;
import io.corral.actors.container.Lifecycle.Preparing;
import io.corral.actors.container.Lifecycle.Releasing;
import io.corral.actors.container.Lifecycle.Running;
import io.corral.actors.container.Lifecycle.Terminated;
import io.corral.actors.launch.Checkpoints;
import io.corral.actors.launch.LauncherActor.ForkFailed;
import io.corral.actors.launch.LauncherActor.Forked;
import io.corral.actors.launch.LauncherActor.KillSent;
import io.corral.actors.launch.LauncherActor.PidsNotCheckpointed;
import io.corral.actors.launch.LauncherActor.ProcessExited;
import io.corral.actors.launch.LauncherActor.Signalled;
import io.corral.actors.launch.LauncherActor;
import io.corral.actors.metrics.MetricsRecorder;
import io.corral.isolators.Phase;
import io.corral.proto.v1.ContainerTermination;
import io.corral.proto.v1.TaskState;
import io.corral.proto.v1.TaskStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * DESTROYING, as a function of its record: entered once, from any earlier phase (a fetch in
 * flight is cancelled). It waits for a
 * fork in flight, aborts an init not yet released (killing it if it does not exit within
 * {@code abort-grace}) or kills a released one and waits for its exit, then cleans up every
 * isolator that was asked to prepare, in reverse order, each retried with backoff when it fails
 * ({@link CleanupAttempts}) and each attempted even if another failed, then checkpoints the
 * termination and becomes TERMINATED, answering the launch (if it still waits) and every WAIT.
 * KILLs that arrive meanwhile are answered once the kill was sent.
 *
 * <p>Threading: the container actor's own, never blocking.
 */
final class DestroyPhase {
  private DestroyPhase() {}

  /** What of the container's process there is to stop when destruction begins. */
  enum Process { FORKING, UNRELEASED, RELEASED, GONE }

  /** An aborted init has not exited within {@code abort-grace}: kill it. */
  private enum AbortExpired implements Command { INSTANCE }

  private record TerminationWritten(Optional<ContainerError> error) implements Command {}

  /** Time to try the cleanup of the isolator at {@code index} again. */
  private record RetryCleanup(int index) implements Command {}

  /**
   * Destroys the container in {@code from} (nothing happens when it is already destroyed or being
   * destroyed): {@code termination} is what WAIT will say, {@code launchError} what a launch still
   * waiting hears, {@code exit} the init's exit when that is the cause.
   */
  static Behavior<Command> destroy(ContainerServices s, Lifecycle from, ContainerTermination termination,
      Optional<ContainerError> launchError, Optional<Exit> exit) {
    if (from instanceof Destroying || from instanceof Terminated) {
      return Behaviors.same();
    }
    int toClean = from instanceof Preparing p ? p.asked()
        : from instanceof Lifecycle.Provisioning ? ProvisionPhase.CLEANUPS : s.isolators().size();
    Process process = exit.isPresent() ? Process.GONE : Process.RELEASED;
    Lifecycle.Fork fork = from instanceof Isolating i ? i.fork() : from instanceof Fetching f ? f.fork() : null;
    if (from instanceof Fetching f) {
      f.cancel().cancel();
    }
    if (from instanceof Lifecycle.Provisioning || from instanceof Preparing || fork instanceof Lifecycle.NotForked) {
      process = Process.GONE;
    } else if (fork instanceof Releasing r && r.exit().isPresent()) {
      exit = r.exit();
      process = Process.GONE;
    } else if (fork != null && exit.isEmpty()) {
      process = fork instanceof AwaitingIsolators ? Process.UNRELEASED
          : fork instanceof Releasing ? Process.RELEASED : Process.FORKING;
    }
    IsolatorUpdate.Updates updates = from instanceof Running r ? r.updates() : IsolatorUpdate.Updates.of(from.resources());
    return begin(s, new Destroying(termination, launchError, updates, from.initPid(), toClean,
        exit.flatMap(Exit::status), new AwaitingFork()), process);
  }

  /** Enters DESTROYING as {@code d} and starts stopping {@code process}. */
  static Behavior<Command> begin(ContainerServices s, Destroying d, Process process) {
    Transitions.enter(s, d);
    return switch (process) {
      case FORKING -> ContainerActor.behavior(s, d.with(new AwaitingFork()));
      case UNRELEASED -> abort(s, d);
      case RELEASED -> kill(s, d);
      case GONE -> gone(s, d);
    };
  }

  private static Behavior<Command> abort(ContainerServices s, Destroying d) {
    s.launcher().tell(LauncherActor.Abort.INSTANCE);
    s.askers().killed(Optional.empty());
    s.timers().startSingleTimer(AbortExpired.INSTANCE, s.config().abortGrace());
    return ContainerActor.behavior(s, d.with(new Dying()));
  }

  private static Behavior<Command> kill(ContainerServices s, Destroying d) {
    s.launcher().tell(LauncherActor.Kill.INSTANCE);
    return ContainerActor.behavior(s, d.with(new Killing()));
  }

  /** Nothing of the container runs: answer the KILLs and clean up. */
  private static Behavior<Command> gone(ContainerServices s, Destroying d) {
    s.askers().killed(Optional.empty());
    return cleanupNext(s, d.with(new CleaningUp(d.toClean() - 1,
        new CleanupAttempts(s.config().cleanupAttempts(), s.config().cleanupBackoff()))));
  }

  static Behavior<Command> destroying(ContainerServices s, Destroying d) {
    return ContainerActor.common(s, d, BehaviorBuilder.<Command>create()
        .onMessage(Forked.class, f -> forked(s, d, f.initPid()))
        .onMessage(PidsNotCheckpointed.class, f -> forked(s, d, f.initPid()))
        .onMessage(ForkFailed.class, f -> d.step() instanceof AwaitingFork ? gone(s, d) : Behaviors.same())
        .onMessage(ProcessExited.class, e -> onExited(s, d, new Exit(e.status())))
        .onMessage(IsolatorProtocol.LimitationReached.class, l -> onLateLimitation(s, d, l))
        .onMessage(KillSent.class, k -> onKillSent(s, d, k))
        .onMessageEquals(AbortExpired.INSTANCE, () -> onAbortExpired(s, d))
        .onMessage(CleanedUp.class, c -> onCleanupReply(s, d, c.isolator(), null))
        .onMessage(Failed.class, f -> f.phase() != Phase.CLEANUP ? Behaviors.same()
            : onCleanupReply(s, d, f.isolator(), f.error()))
        .onMessage(TerminationWritten.class, w -> onTerminationWritten(s, d, w))
        .onMessage(RetryCleanup.class, r -> d.step() instanceof CleaningUp c && c.index() == r.index()
            ? cleanupNext(s, d) : Behaviors.same())
        .onMessage(Kill.class, k -> onKill(s, d, k))
        .onMessage(Signalled.class, x -> {
          s.askers().signalled(x.signal(), x.error());
          return Behaviors.same();
        }));
  }

  /** The fork ended after destroy began, with an init: it is aborted like any other. */
  private static Behavior<Command> forked(ContainerServices s, Destroying d, int init) {
    if (!(d.step() instanceof AwaitingFork)) {
      return Behaviors.same();
    }
    return abort(s, new Destroying(d.termination(), d.launchError(), d.updates(), OptionalInt.of(init), d.toClean(),
        d.exitStatus(), d.step()));
  }

  private static Behavior<Command> onExited(ContainerServices s, Destroying d, Exit exit) {
    Destroying exited = d.exited(exit);
    return d.step() instanceof Killing || d.step() instanceof Dying ? gone(s, exited)
        : ContainerActor.behavior(s, exited);
  }

  /**
   * A limitation that arrives after the destroy began, before the termination is written, is
   * its cause when nothing else was: on cgroup v2 the kernel kills the whole cgroup at an OOM
   * ({@code memory.oom.group}), so the init's exit can overtake the isolator's report.
   */
  private static Behavior<Command> onLateLimitation(ContainerServices s, Destroying d,
      IsolatorProtocol.LimitationReached late) {
    if (d.termination().hasReason() || d.step() instanceof Checkpointing) {
      return Behaviors.same();
    }
    s.log().info("Container [{}] reached a limitation of {} as it ended", s.id(), late.isolator());
    return ContainerActor.behavior(s, d.withTermination(LaunchPhases.limitation(late.limitation())));
  }

  private static Behavior<Command> onKillSent(ContainerServices s, Destroying d, KillSent sent) {
    s.askers().killed(sent.error());
    return d.step() instanceof Killing ? ContainerActor.behavior(s, d.with(new Dying())) : Behaviors.same();
  }

  private static Behavior<Command> onAbortExpired(ContainerServices s, Destroying d) {
    if (d.step() instanceof Dying) {
      s.log().warn("Killing container [{}] whose init did not exit after the abort", s.id());
      s.launcher().tell(LauncherActor.Kill.INSTANCE);
    }
    return Behaviors.same();
  }

  private static Behavior<Command> onKill(ContainerServices s, Destroying d, Kill kill) {
    if (kill.signal() != ContainerActor.SIGKILL) {
      return RunPhases.rejectSignal(s, d, kill);
    }
    if (d.step() instanceof Killing) {
      s.askers().awaitKill(kill.replyTo());
      return Behaviors.same();
    }
    return ContainerActor.reply(kill.replyTo(), new Containerizer.Killed(s.containerId()));
  }

  private static Behavior<Command> onCleanupReply(ContainerServices s, Destroying d, String isolator,
      ContainerError failure) {
    if (!(d.step() instanceof CleaningUp c) || c.index() < 0
        || !s.isolators().get(c.index()).name().equals(isolator)) {
      return Behaviors.same();
    }
    if (failure == null) {
      c.attempts().succeeded(isolator);
    } else {
      int attempt = c.attempts().attempt(isolator);
      Duration retry = c.attempts().failed(isolator, failure.message());
      if (retry != null) {
        s.log().warn("Cleanup of container [{}] failed at attempt {} of {}, trying again in {}ms: {}",
            s.id(), attempt, c.attempts().maxAttempts(), retry.toMillis(), failure.message());
        s.timers().startSingleTimer(new RetryCleanup(c.index()), retry);
        return Behaviors.same();
      }
      s.log().error("Cleanup of container [{}] failed at attempt {}, giving up: {}", s.id(), attempt,
          failure.message());
    }
    return cleanupNext(s, d.with(new CleaningUp(c.index() - 1, c.attempts())));
  }

  /** Cleans up the isolator at the step's index, or, when none is left, checkpoints the termination. */
  private static Behavior<Command> cleanupNext(ContainerServices s, Destroying d) {
    CleaningUp c = (CleaningUp) d.step();
    if (c.index() >= 0) {
      s.tellIsolator(c.index(), new IsolatorProtocol.Cleanup(s.self()));
      return ContainerActor.behavior(s, d);
    }
    ContainerTermination.Builder termination = d.termination().toBuilder();
    String failures = c.attempts().report();
    if (failures != null) {
      MetricsRecorder.of(s.settings().metrics()).destroyFailed();
      amend(termination, failures);
    }
    d.exitStatus().ifPresent(termination::setStatus);
    ContainerTermination written = termination.build();
    IsolatorUpdate.Updates updates = d.updates();
    Path file = s.layout().termination(s.id());
    s.io(() -> {
      updates.awaitWrites(); // a config rewrite of an update must not outlive the container
      Checkpoints.write(file, written);
    }, "checkpoint '" + file + "'", TerminationWritten::new);
    return ContainerActor.behavior(s, d.withTermination(written).with(new Checkpointing()));
  }

  private static Behavior<Command> onTerminationWritten(ContainerServices s, Destroying d, TerminationWritten w) {
    w.error().ifPresent(e -> s.log().warn("Container [{}]: {}", s.id(), e.message()));
    ContainerTermination termination = d.termination();
    Behavior<Command> next = Transitions.enter(s, new Terminated(termination, d.resources(), d.initPid()));
    if (termination.getReason() == TaskStatus.Reason.REASON_CONTAINER_LAUNCH_FAILED) {
      MetricsRecorder.of(s.settings().metrics()).launchFailed();
    }
    s.askers().launchFailed(d.launchError().orElse(
        new ContainerError.LaunchFailed("container was destroyed during launch")));
    s.askers().terminated(termination);
    d.updates().answerAll();
    return next;
  }

  /** Mesos' wording for a launcher destroy that failed; the termination carries it. */
  static Behavior<Command> onDestroyIncomplete(ContainerServices s, Lifecycle phase,
      LauncherActor.DestroyIncomplete incomplete) {
    String failure = "Failed to kill all processes in the container: " + incomplete.error().message();
    s.log().error("Container [{}]: {}", s.id(), failure);
    MetricsRecorder.of(s.settings().metrics()).destroyFailed();
    if (phase instanceof Destroying d) {
      return ContainerActor.behavior(s, d.withTermination(
          amend(d.termination().toBuilder().setState(TaskState.TASK_FAILED), failure).build()));
    }
    return destroy(s, phase, LaunchPhases.failed(failure), Optional.of(new ContainerError.Internal(failure)),
        Optional.empty());
  }

  private static ContainerTermination.Builder amend(ContainerTermination.Builder termination, String failure) {
    return termination.setMessage(termination.hasMessage() ? termination.getMessage() + "; " + failure : failure);
  }
}
