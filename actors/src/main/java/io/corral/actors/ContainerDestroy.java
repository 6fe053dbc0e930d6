package io.corral.actors;

import io.corral.actors.ContainerActor.Command;
import io.corral.actors.ContainerActor.Kill;
import io.corral.actors.IsolatorProtocol.CleanedUp;
import io.corral.actors.IsolatorProtocol.Failed;
import io.corral.actors.LauncherActor.ForkFailed;
import io.corral.actors.LauncherActor.Forked;
import io.corral.actors.LauncherActor.KillSent;
import io.corral.actors.LauncherActor.ProcessExited;
import io.corral.actors.LauncherActor.Signalled;
import io.corral.isolators.Phase;
import io.corral.proto.v1.ContainerID;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The destroying half of {@link ContainerActor}: the DESTROYING behavior, from any state and
 * idempotent. It kills (or, before the release, aborts) the init if it was forked and waits for
 * its exit, then cleans up every isolator that was asked to prepare, in reverse order, each
 * retried with backoff when it fails ({@link CleanupAttempts}) and each attempted even if
 * another failed, then checkpoints the termination and answers every {@code Wait}; KILLs that
 * arrive meanwhile are answered once the kill was sent.
 *
 * <p>Threading: the container actor's own, never blocking.
 */
abstract class ContainerDestroy extends ContainerLaunch {
  /** An aborted init has not exited within {@code corral.actors.abort-grace}: kill it. */
  private enum AbortExpired implements Command { INSTANCE }

  private record TerminationWritten(Optional<String> error) implements Command {}

  /** Time to try the cleanup of the isolator at {@code index} again. */
  private record RetryCleanup(int index) implements Command {}

  static final int SIGKILL = 9;

  final List<ActorRef<Containerizer.WaitReply>> waiters = new ArrayList<>();
  final List<ActorRef<Containerizer.KillReply>> killers = new ArrayList<>();
  private CleanupAttempts cleanups;
  private boolean killSent;
  private boolean killAcked;
  private boolean cleanupStarted;
  private int cleanupIndex;

  ContainerDestroy(Setup setup) {
    super(setup);
  }

  abstract Behavior<Command> terminated();

  abstract Behavior<Command> onSignalled(Signalled signalled);

  abstract Behavior<Command> rejectKill(Kill kill);

  abstract ContainerID containerId();

  /** Moves to DESTROYING (once) with {@code termination} as the pending termination info. */
  @Override
  Behavior<Command> destroy(io.corral.proto.v1.ContainerTermination.Builder termination) {
    if (state == ContainerState.DESTROYING || state == ContainerState.TERMINATED) {
      return Behaviors.same();
    }
    if (termination != null) {
      pending = termination;
    }
    transition(ContainerState.DESTROYING);
    return advanceDestroy();
  }

  private Behavior<Command> advanceDestroy() {
    if (forkPending) {
      return destroying();
    }
    if (forked && !exited) {
      if (!killSent) {
        killSent = true;
        launcher.tell(releaseStarted ? LauncherActor.Kill.INSTANCE : LauncherActor.Abort.INSTANCE);
        if (!releaseStarted) {
          ackKillers(Optional.empty());
          timers.startSingleTimer(AbortExpired.INSTANCE,
              context.getSystem().settings().config().getDuration("corral.actors.abort-grace"));
        }
      }
      return destroying();
    }
    ackKillers(Optional.empty());
    if (!cleanupStarted) {
      cleanupStarted = true;
      cleanupIndex = prepared - 1;
      com.typesafe.config.Config config = context.getSystem().settings().config();
      cleanups = new CleanupAttempts(config.getInt("corral.actors.cleanup-attempts"),
          config.getDuration("corral.actors.cleanup-backoff"));
      return cleanupNext();
    }
    return destroying();
  }

  private Behavior<Command> destroying() {
    return common(BehaviorBuilder.<Command>create()
        .onMessage(Forked.class, this::onForkedWhileDestroying)
        .onMessage(ForkFailed.class, f -> onForkEndedWhileDestroying())
        .onMessage(LauncherActor.BeforeForkFailed.class, f -> onForkEndedWhileDestroying())
        .onMessage(ProcessExited.class, this::onExitedWhileDestroying)
        .onMessage(KillSent.class, this::onKillSent)
        .onMessageEquals(AbortExpired.INSTANCE, this::onAbortExpired)
        .onMessage(CleanedUp.class, c -> onCleanupReply(c.isolator(), null))
        .onMessage(Failed.class, this::onFailedWhileDestroying)
        .onMessage(TerminationWritten.class, this::onTerminationWritten)
        .onMessage(RetryCleanup.class, r -> cleanupNext())
        .onMessage(Kill.class, this::onKillWhileDestroying)
        .onMessage(Signalled.class, this::onSignalled));
  }

  /** The fork finished after destroy began: the init is aborted (or killed) like any other. */
  private Behavior<Command> onForkedWhileDestroying(Forked forked) {
    onForked(forked.initPid(), forked.helperPid());
    return advanceDestroy();
  }

  /** The fork failed, or never happened (its config checkpoint failed): nothing to kill. */
  private Behavior<Command> onForkEndedWhileDestroying() {
    forkPending = false;
    return advanceDestroy();
  }

  private Behavior<Command> onExitedWhileDestroying(ProcessExited exit) {
    recordExit(exit);
    return advanceDestroy();
  }

  private Behavior<Command> onAbortExpired() {
    if (!exited) {
      log().warn("Killing container [{}] whose init did not exit after the abort", id());
      launcher.tell(LauncherActor.Kill.INSTANCE);
    }
    return Behaviors.same();
  }

  private Behavior<Command> onKillSent(KillSent sent) {
    ackKillers(sent.error());
    return Behaviors.same();
  }

  /** Only cleanup failures matter now; late failures of earlier phases are ignored. */
  private Behavior<Command> onFailedWhileDestroying(Failed failed) {
    return failed.phase() != Phase.CLEANUP ? Behaviors.same() : onCleanupReply(failed.isolator(),
        new ContainerError.IsolatorFailed(failed.isolator(), failed.phase(), failed.message()));
  }

  private Behavior<Command> onKillWhileDestroying(Kill kill) {
    if (kill.signal() != SIGKILL) {
      return rejectKill(kill);
    }
    if (killSent && !killAcked) {
      killers.add(kill.replyTo());
    } else {
      kill.replyTo().tell(new Containerizer.Killed(containerId()));
    }
    return Behaviors.same();
  }

  private void ackKillers(Optional<String> error) {
    killAcked = true;
    for (ActorRef<Containerizer.KillReply> killer : killers) {
      killer.tell(error.<Containerizer.KillReply>map(e -> new Containerizer.Rejected(
          new ContainerError.Internal("Failed to kill container '" + id() + "': " + e)))
          .orElse(new Containerizer.Killed(containerId())));
    }
    killers.clear();
  }

  private Behavior<Command> onCleanupReply(String isolator, ContainerError failure) {
    if (!cleanupStarted || cleanupIndex < 0 || !isolators.get(cleanupIndex).name().equals(isolator)) {
      return Behaviors.same();
    }
    if (failure == null) {
      cleanups.succeeded(isolator);
    } else {
      int attempt = cleanups.attempt(isolator);
      java.time.Duration retry = cleanups.failed(isolator, failure.message());
      if (retry != null) {
        log().warn("Cleanup of container [{}] failed at attempt {} of {}, trying again in {}ms: {}",
            id(), attempt, cleanups.maxAttempts(), retry.toMillis(), failure.message());
        timers.startSingleTimer(new RetryCleanup(cleanupIndex), retry);
        return destroying();
      }
      log().error("Cleanup of container [{}] failed at attempt {}, giving up: {}", id(), attempt, failure.message());
    }
    cleanupIndex--;
    return cleanupNext();
  }

  private Behavior<Command> cleanupNext() {
    if (cleanupIndex >= 0) {
      isolators.get(cleanupIndex).ref().tell(new IsolatorProtocol.Cleanup(context.getSelf().narrow()));
      return destroying();
    }
    String failures = cleanups.report();
    if (failures != null) {
      settings.metrics().destroyFailed();
      pending.setMessage(pending.hasMessage() ? pending.getMessage() + "; " + failures : failures);
    }
    exitStatus.ifPresent(pending::setStatus);
    termination = pending.build();
    io(() -> {
      inUse.awaitWrites(); // a config rewrite of an update must not outlive the container
      Paths.checkpoint(paths.termination(id()), termination);
    }, TerminationWritten::new);
    return destroying();
  }

  private Behavior<Command> onTerminationWritten(TerminationWritten written) {
    written.error().ifPresent(e -> log().warn("Failed to checkpoint termination of container '{}': {}", id(), e));
    transition(ContainerState.TERMINATED);
    if (termination.getReason() == io.corral.proto.v1.TaskStatus.Reason.REASON_CONTAINER_LAUNCH_FAILED) {
      settings.metrics().launchFailed();
    }
    if (launchReplyTo != null) {
      launchReplyTo.tell(new Containerizer.Rejected(launchError != null ? launchError
          : new ContainerError.LaunchFailed("container was destroyed during launch")));
      launchReplyTo = null;
    }
    waiters.forEach(w -> w.tell(new Containerizer.Terminated(containerId(), termination)));
    waiters.clear();
    return terminated();
  }
}
