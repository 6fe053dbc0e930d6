package io.corral.actors;

import io.corral.posix.launch.LaunchedContainer;
import io.corral.posix.launch.Launcher;
import io.corral.posix.launch.Stdio;
import io.corral.proto.v1.LaunchPlan;
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
 * <p>Threading: each {@link Launcher} and {@link LaunchedContainer} call blocks and runs on the
 * blocking dispatcher; calls are NOT serialized, because {@link Kill} must be able to interrupt
 * a {@link Release} that waits for exec. The parent learns of the exit from
 * {@link LaunchedContainer#exited()} as {@link ProcessExited}, exactly once. If this actor stops
 * while the container still runs (its parent failed, or the system stops), it kills the
 * container so nothing leaks, unless the agent recovers its containers ({@code killOnStop}
 * false): then the container is left running for the next agent to adopt.
 */
final class LauncherActor extends AbstractBehavior<LauncherActor.Command> {

  interface Command {}

  /** Takes over a container an earlier agent forked and released (recovery); no answer but the exit. */
  record Adopt(LaunchedContainer container) implements Command {}

  /**
   * What the container does with a fresh init's pids before it hears of them, on the fork's own
   * blocking thread (its pids checkpoint): one trip through the dispatcher instead of two.
   */
  interface AfterFork {
    void run(int initPid, int helperPid) throws java.io.IOException;
  }

  /**
   * What the container writes before any process exists (its config checkpoint, with the plan),
   * on the fork's own blocking thread: one trip through the dispatcher instead of two.
   */
  interface BeforeFork {
    void run() throws java.io.IOException;
  }

  /**
   * Runs {@code beforeFork}, spawns the helper for the complete plan, then runs
   * {@code afterFork}; answered with {@link Forked}, {@link ForkFailed}, or
   * {@link BeforeForkFailed} when nothing was forked because {@code beforeFork} failed.
   */
  record Fork(LaunchPlan plan, Stdio stdio, BeforeFork beforeFork, AfterFork afterFork) implements Command {
    Fork(LaunchPlan plan, Stdio stdio, AfterFork afterFork) {
      this(plan, stdio, () -> { }, afterFork);
    }

    Fork(LaunchPlan plan, Stdio stdio) {
      this(plan, stdio, (init, helper) -> { });
    }
  }

  /** Lets the init run the command; answered with {@link Released} or {@link ReleaseFailed}. */
  enum Release implements Command { INSTANCE }

  /** Makes the init exit without running anything (before release); no answer. */
  enum Abort implements Command { INSTANCE }

  /** Sends {@code signal} to the init; answered with {@link Signalled}. */
  record Signal(int signal) implements Command {}

  /** Kills every process of the container; answered with {@link KillSent}. */
  enum Kill implements Command { INSTANCE }

  private record Done(Reply reply) implements Command {}

  private record ForkDone(LaunchedContainer container, String afterForkError, Throwable error,
      String beforeForkError) implements Command {
    ForkDone(LaunchedContainer container, String afterForkError, Throwable error) {
      this(container, afterForkError, error, null);
    }
  }

  private record Exited(Integer status, Throwable error) implements Command {}

  /** What the launcher tells its container. */
  sealed interface Reply extends ContainerActor.Command {}

  /**
   * The init waits for the go byte; {@code afterForkError} says why {@link AfterFork} failed
   * (the container then aborts it).
   */
  record Forked(int initPid, int helperPid, Optional<String> afterForkError) implements Reply {}

  record ForkFailed(String message) implements Reply {}

  /** {@link BeforeFork} failed (why, as an I/O error describes it): nothing was forked. */
  record BeforeForkFailed(String error) implements Reply {}

  enum Released implements Reply { INSTANCE }

  record ReleaseFailed(String message) implements Reply {}

  /** {@code error} is empty when the signal was delivered. */
  record Signalled(int signal, Optional<String> error) implements Reply {}

  /** {@code error} is empty when SIGKILL was delivered. */
  record KillSent(Optional<String> error) implements Reply {}

  /**
   * Sent just before {@link ProcessExited} when the launcher could not prove the container's
   * processes gone (its freezer cgroup kept pids past the destroy timeout): why, with the pids.
   */
  record DestroyIncomplete(String message) implements Reply {}

  /** The init has been reaped; the command's raw wait status when known. */
  record ProcessExited(Optional<Integer> status) implements Reply {}

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
  static Behavior<Command> create(String containerId, Launcher launcher, ActorRef<Reply> parent,
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
    CompletableFuture<ForkDone> forked = CompletableFuture.supplyAsync(() -> {
      try {
        fork.beforeFork().run();
      } catch (java.io.IOException | RuntimeException e) {
        return new ForkDone(null, null, null, ContainerLaunch.describeIo(e));
      }
      LaunchedContainer container = launcher.fork(containerId, fork.plan(), fork.stdio());
      String afterForkError = null;
      if (container != null) {
        try {
          fork.afterFork().run(container.initPid(), container.helperPid());
        } catch (java.io.IOException | RuntimeException e) {
          afterForkError = ContainerLaunch.describeIo(e);
        }
      }
      return new ForkDone(container, afterForkError, null);
    }, blocking);
    getContext().pipeToSelf(forked, (done, error) -> error != null ? new ForkDone(null, null, error) : done);
    return this;
  }

  private Behavior<Command> onAdopt(Adopt adopt) {
    container = adopt.container();
    getContext().pipeToSelf(container.exited(), Exited::new);
    return this;
  }

  private Behavior<Command> onForkDone(ForkDone done) {
    if (done.beforeForkError() != null) {
      parent.tell(new BeforeForkFailed(done.beforeForkError()));
      return this;
    }
    if (done.error() != null || done.container() == null) {
      parent.tell(new ForkFailed(done.error() == null ? "the launcher returned no container"
          : IsolatorActor.describe(done.error())));
      return this;
    }
    container = done.container();
    parent.tell(new Forked(container.initPid(), container.helperPid(), Optional.ofNullable(done.afterForkError())));
    getContext().pipeToSelf(container.exited(), Exited::new);
    return this;
  }

  private Behavior<Command> onRelease() {
    return blocking(c -> {
      c.release();
      return Released.INSTANCE;
    }, error -> new ReleaseFailed(error));
  }

  private Behavior<Command> onAbort() {
    return blocking(c -> {
      c.abort();
      return null;
    }, error -> {
      getContext().getLog().warn("Failed to abort container [{}]: {}", containerId, error);
      return null;
    });
  }

  private Behavior<Command> onSignal(Signal signal) {
    return blocking(c -> {
      c.signal(signal.signal());
      return new Signalled(signal.signal(), Optional.empty());
    }, error -> new Signalled(signal.signal(), Optional.of(error)));
  }

  private Behavior<Command> onKill() {
    return blocking(c -> {
      c.kill();
      return new KillSent(Optional.empty());
    }, error -> new KillSent(Optional.of(error)));
  }

  /** Runs {@code call} on the forked container on the blocking dispatcher; replies if non-null. */
  private Behavior<Command> blocking(
      Function<LaunchedContainer, Reply> call, Function<String, Reply> onError) {
    LaunchedContainer target = container;
    if (target == null) {
      Reply reply = onError.apply("the container has not been forked");
      if (reply != null) {
        parent.tell(reply);
      }
      return this;
    }
    CompletableFuture<Reply> result = CompletableFuture.supplyAsync(() -> call.apply(target), blocking);
    getContext().pipeToSelf(result, (reply, error) ->
        new Done(error != null ? onError.apply(IsolatorActor.describe(error)) : reply));
    return this;
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
            IsolatorActor.describe(exit.error()));
        parent.tell(new DestroyIncomplete(IsolatorActor.describe(exit.error())));
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
