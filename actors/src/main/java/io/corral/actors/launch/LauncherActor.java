package io.corral.actors.launch;

import io.corral.actors.ContainerError;
import io.corral.actors.Failures;
import io.corral.actors.container.ContainerActor;
import io.corral.actors.container.IsolatorActor;
import io.corral.posix.Linux;
import io.corral.posix.launch.LaunchedContainer;
import io.corral.posix.launch.Launcher;
import io.corral.posix.launch.Stdio;
import io.corral.proto.v1.ContainerConfig;
import io.corral.proto.v1.LaunchPlan;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Owns one container's processes through the {@link Launcher}: a child of its
 * {@link ContainerActor}, to which every {@link Reply} goes.
 *
 * <p>A {@link Fork} is one blocking step (config checkpoint, fork, pids checkpoint) answered
 * with one {@link ForkOutcome}; failures travel as {@link ContainerError}s.
 *
 * <p>Threading: runs on {@code corral.actor-dispatcher}; each {@link Launcher} and
 * {@link LaunchedContainer} call blocks and runs on the blocking dispatcher; calls are NOT serialized, because {@link Kill} must be able to interrupt
 * a {@link Release} that waits for exec. The parent learns of the exit from
 * {@link LaunchedContainer#exited()} as {@link ProcessExited}, exactly once. If this actor stops
 * while the container still runs (its parent failed, or the system stops), it kills the
 * container so nothing leaks, unless the agent recovers its containers ({@code killOnStop}
 * false): then the container is left running for the next agent to adopt.
 */
public final class LauncherActor extends AbstractBehavior<LauncherActor.Command> {

  public interface Command {}

  /** Takes over a container an earlier agent forked and released (recovery); no answer but the exit. */
  public record Adopt(LaunchedContainer container) implements Command {}

  /**
   * What a fork checkpoints, as data: the container's {@code config} record (with the plan)
   * written to {@code configFile} before anything is forked, and its init's pids (with the
   * init's start time read through {@code linux}, when there is one) to {@code pidsFile} after.
   */
  public record ForkCheckpoints(Path configFile, ContainerConfig config, Path pidsFile, Linux linux) {}

  /**
   * One blocking step: checkpoints the config, spawns the helper for the complete plan, then
   * checkpoints the pids; answered with one {@link ForkOutcome}.
   */
  public record Fork(LaunchPlan plan, Stdio stdio, Optional<ForkCheckpoints> checkpoints) implements Command {
    /** A fork that checkpoints nothing. */
    Fork(LaunchPlan plan, Stdio stdio) {
      this(plan, stdio, Optional.empty());
    }
  }

  /** Lets the init run the command; answered with {@link Released} or {@link ReleaseFailed}. */
  public enum Release implements Command { INSTANCE }

  /** Makes the init exit without running anything (before release); no answer. */
  public enum Abort implements Command { INSTANCE }

  /** Sends {@code signal} to the init; answered with {@link Signalled}. */
  public record Signal(int signal) implements Command {}

  /** Kills every process of the container; answered with {@link KillSent}. */
  public enum Kill implements Command { INSTANCE }

  private record Done(Reply reply) implements Command {}

  /** The fork's step ended; {@code container} is null when nothing was forked. */
  record ForkDone(ForkOutcome outcome, LaunchedContainer container) implements Command {}

  private record Exited(Integer status, Throwable error) implements Command {}

  /** What the launcher tells its container. */
  sealed interface Reply extends ContainerActor.Command {}

  /** How a {@link Fork} ended. */
  sealed interface ForkOutcome extends Reply {}

  /** The init exists, waits for the go byte, and its pids are checkpointed. */
  public record Forked(int initPid, int helperPid) implements ForkOutcome {}

  /** Nothing was forked: the config checkpoint or the helper failed ({@code error} says which). */
  public record ForkFailed(ContainerError error) implements ForkOutcome {}

  /** The init exists but its pids could not be checkpointed: the container must abort it. */
  public record PidsNotCheckpointed(int initPid, int helperPid, ContainerError error) implements ForkOutcome {}

  public enum Released implements Reply { INSTANCE }

  public record ReleaseFailed(ContainerError.LaunchFailed failure) implements Reply {}

  /** {@code error} is empty when the signal was delivered. */
  public record Signalled(int signal, Optional<ContainerError> error) implements Reply {}

  /** {@code error} is empty when SIGKILL was delivered. */
  public record KillSent(Optional<ContainerError> error) implements Reply {}

  /**
   * Sent just before {@link ProcessExited} when the launcher could not prove the container's
   * processes gone (its freezer cgroup kept pids past the destroy timeout): why, with the pids.
   */
  public record DestroyIncomplete(ContainerError error) implements Reply {}

  /** The init has been reaped; the command's raw wait status when known. */
  public record ProcessExited(Optional<Integer> status) implements Reply {}

  private final String containerId;
  private final Launcher launcher;
  private final ActorRef<Reply> parent;
  private final Executor blocking;
  private final boolean killOnStop;
  private LaunchedContainer container;
  private boolean exited;

  static Behavior<Command> create(String containerId, Launcher launcher, ActorRef<Reply> parent) {
    return create(containerId, launcher, parent, true);
  }

  /** {@code killOnStop} false: the container outlives this actor, for a later agent to recover. */
  public static Behavior<Command> create(String containerId, Launcher launcher, ActorRef<Reply> parent,
      boolean killOnStop) {
    return Behaviors.withMdc(Command.class, java.util.Map.of("containerId", containerId),
        Behaviors.setup(context -> new LauncherActor(context, containerId, launcher, parent, killOnStop)));
  }

  private LauncherActor(ActorContext<Command> context, String containerId, Launcher launcher, ActorRef<Reply> parent,
      boolean killOnStop) {
    super(context);
    this.killOnStop = killOnStop;
    this.containerId = containerId;
    this.launcher = launcher;
    this.parent = parent;
    this.blocking = context.getSystem().dispatchers()
        .lookup(DispatcherSelector.fromConfig(IsolatorActor.BLOCKING_DISPATCHER));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Fork.class, this::onFork)
        .onMessage(Adopt.class, this::onAdopt)
        .onMessage(ForkDone.class, this::onForkDone)
        .onMessageEquals(Release.INSTANCE, this::onRelease)
        .onMessageEquals(Abort.INSTANCE, this::onAbort)
        .onMessage(Signal.class, this::onSignal)
        .onMessageEquals(Kill.INSTANCE, this::onKill)
        .onMessage(Done.class, this::onDone)
        .onMessage(Exited.class, this::onExited)
        .onSignal(PostStop.class, signal -> onPostStop())
        .build();
  }

  private Behavior<Command> onFork(Fork fork) {
    getContext().pipeToSelf(CompletableFuture.supplyAsync(() -> ForkStep.run(launcher, containerId, fork), blocking),
        (done, error) ->
        error != null ? new ForkDone(new ForkFailed(ContainerError.LaunchFailed.of(error)), null) : done);
    return this;
  }

  private Behavior<Command> onAdopt(Adopt adopt) {
    container = adopt.container();
    getContext().pipeToSelf(container.exited(), Exited::new);
    return this;
  }

  private Behavior<Command> onForkDone(ForkDone done) {
    if (done.container() != null) {
      container = done.container();
      getContext().pipeToSelf(container.exited(), Exited::new);
    }
    parent.tell(done.outcome());
    return this;
  }

  private Behavior<Command> onRelease() {
    return blocking(c -> {
      c.release();
      return Released.INSTANCE;
    }, error -> new ReleaseFailed(ContainerError.LaunchFailed.of(error)));
  }

  private Behavior<Command> onAbort() {
    return blocking(c -> {
      c.abort();
      return null;
    }, error -> {
      getContext().getLog().warn("Failed to abort container [{}]: {}", containerId, Failures.describe(error));
      return null;
    });
  }

  private Behavior<Command> onSignal(Signal signal) {
    return blocking(c -> {
      c.signal(signal.signal());
      return new Signalled(signal.signal(), Optional.empty());
    }, error -> new Signalled(signal.signal(), Optional.of(internal(error))));
  }

  private Behavior<Command> onKill() {
    return blocking(c -> {
      c.kill();
      return new KillSent(Optional.empty());
    }, error -> new KillSent(Optional.of(internal(error))));
  }

  /** Runs {@code call} on the forked container on the blocking dispatcher; replies if non-null. */
  private Behavior<Command> blocking(
      Function<LaunchedContainer, Reply> call, Function<Throwable, Reply> onError) {
    LaunchedContainer target = container;
    if (target == null) {
      Reply reply = onError.apply(new IllegalStateException("the container has not been forked"));
      if (reply != null) {
        parent.tell(reply);
      }
      return this;
    }
    CompletableFuture<Reply> result = CompletableFuture.supplyAsync(() -> call.apply(target), blocking);
    getContext().pipeToSelf(result, (reply, error) ->
        new Done(error != null ? onError.apply(error) : reply));
    return this;
  }

  private static ContainerError internal(Throwable error) {
    return new ContainerError.Internal(Failures.describe(error));
  }

  private Behavior<Command> onDone(Done done) {
    if (done.reply() != null) {
      parent.tell(done.reply());
    }
    return this;
  }

  private Behavior<Command> onExited(Exited exit) {
    if (!exited) {
      exited = true;
      if (exit.error() != null) {
        getContext().getLog().warn("Failed to reap container [{}]: {}", containerId,
            Failures.describe(exit.error()));
        parent.tell(new DestroyIncomplete(internal(exit.error())));
      }
      parent.tell(new ProcessExited(Optional.ofNullable(exit.status())));
    }
    return this;
  }

  private Behavior<Command> onPostStop() {
    if (killOnStop && container != null && !exited && !container.exited().isDone()) {
      getContext().getLog().warn("Killing container [{}] whose actor stopped before it exited", containerId);
      try {
        container.kill();
      } catch (RuntimeException e) {
        getContext().getLog().error("Failed to kill container [{}]: {}", containerId, e.getMessage());
      }
    }
    return this;
  }
}
