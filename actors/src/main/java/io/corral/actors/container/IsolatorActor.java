package io.corral.actors.container;

import io.corral.actors.ContainerError.IsolatorFailed;
import io.corral.actors.ContainerError.IsolatorFailed.Cause;
import io.corral.actors.ContainerMetrics;
import io.corral.actors.container.IsolatorProtocol.CleanedUp;
import io.corral.actors.container.IsolatorProtocol.Cleanup;
import io.corral.actors.container.IsolatorProtocol.Command;
import io.corral.actors.container.IsolatorProtocol.Failed;
import io.corral.actors.container.IsolatorProtocol.Isolate;
import io.corral.actors.container.IsolatorProtocol.Isolated;
import io.corral.actors.container.IsolatorProtocol.LimitationReached;
import io.corral.actors.container.IsolatorProtocol.Prepare;
import io.corral.actors.container.IsolatorProtocol.Prepared;
import io.corral.actors.container.IsolatorProtocol.Reply;
import io.corral.actors.container.IsolatorProtocol.Status;
import io.corral.actors.container.IsolatorProtocol.StatusReported;
import io.corral.actors.container.IsolatorProtocol.Usage;
import io.corral.actors.container.IsolatorProtocol.UsageSampled;
import io.corral.actors.container.IsolatorProtocol.Watch;
import io.corral.actors.metrics.MetricsRecorder;
import io.corral.isolators.ContainerContext;
import io.corral.isolators.Isolator;
import io.corral.isolators.Phase;
import io.corral.proto.v1.ContainerStatus;
import io.corral.proto.v1.ResourceStatistics;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Runs one {@link Isolator} for one container (Mesos' {@code MesosIsolator} adapter): a child
 * of the {@link ContainerActor}, one per container and isolator.
 *
 * <p>Threading: every isolator method the isolator implements runs on the blocking dispatcher
 * ({@code corral.blocking-dispatcher}), one call at a time (a phase it leaves to the
 * interface's no-op default is answered at once, on this actor); commands that arrive meanwhile are
 * stashed, so a {@link Cleanup} always runs after an in-flight {@link Prepare} or
 * {@link Isolate}. Results come back with {@code pipeToSelf}. Any exception, or a null where a
 * value is due, becomes a {@link Failed} reply: this actor never crashes on an isolator's fault.
 *
 * <p>Timeouts: every call that goes to the blocking dispatcher must return within the phase
 * timeout ({@code --isolator_phase_timeout}); otherwise it is answered with
 * {@code Failed(isolator, phase, "timed out after 5secs")} and abandoned. A blocking-dispatcher
 * thread cannot be taken back from a call that never returns: the stuck thread stays blocked
 * inside the isolator until the call returns by itself (it is not interrupted), and whatever it
 * returns then is logged and dropped. This actor does not wait for it: the next command (a
 * {@link Cleanup}, typically) runs at once on another thread, so an isolator's {@code cleanup}
 * must tolerate a hung call of its own for the same container that is still running.
 *
 * <p>A failure of a call whose reply goes to someone else than the container (usage and status
 * go to a {@link UsageCollector}) is also told to the container ({@code owner}), so that a failed
 * or hung isolator destroys the container whatever the phase; a request refused because too many
 * are pending is not an isolator fault and only goes to the asker, and neither is an
 * {@code update} the isolator refused (an update that hung is a fault).
 */
public final class IsolatorActor extends AbstractBehavior<Command> {
  public static final String BLOCKING_DISPATCHER = "corral.blocking-dispatcher";
  /** Commands waiting behind a busy isolator; beyond this they fail at once instead of queuing. */
  static final int STASH_CAPACITY = 1_000;
  /** How the message of a {@link Failed} for a call that timed out begins. */
  public static final String TIMED_OUT = "timed out after ";

  /** A finished call: the reply and where it goes; {@code call} numbers the call. */
  private record Completed(long call, Phase phase, Reply reply, ActorRef<Reply> replyTo) implements Command {}

  /** Call number {@code call} has not returned within the phase timeout. */
  private record TimedOut(long call, Phase phase, ActorRef<Reply> replyTo) implements Command {}

  private final Isolator isolator;
  private final String name;
  /** Replaced by a Prepare that carries the container as provisioned (actor thread only). */
  private ContainerContext container;
  private final StashBuffer<Command> stash;
  private final Executor blocking;
  private final MetricsRecorder metrics;
  private final TimerScheduler<Command> timers;
  private final Duration timeout;
  private final ActorRef<Reply> owner;
  private boolean busy;
  /** The number of the call in flight (or of the last one); late answers of others are dropped. */
  private long call;

  /** An isolator without a phase timeout whose failures go only to the asker (for tests). */
  static Behavior<Command> create(Isolator isolator, ContainerContext container) {
    return create(isolator, container, null, null);
  }

  /**
   * @param timeout how long one call may run; null for no limit
   * @param owner the container, told of failures of calls that answer someone else; may be null
   */
  static Behavior<Command> create(
      Isolator isolator, ContainerContext container, Duration timeout, ActorRef<Reply> owner) {
    return create(isolator, container, timeout, owner, ContainerMetrics.NONE);
  }

  /** An isolator actor that records the duration of every call it runs on the blocking dispatcher. */
  static Behavior<Command> create(Isolator isolator, ContainerContext container, Duration timeout,
      ActorRef<Reply> owner, ContainerMetrics metrics) {
    return Behaviors.withMdc(Command.class, java.util.Map.of("containerId", container.name()),
        Behaviors.withStash(STASH_CAPACITY, stash -> Behaviors.withTimers(timers ->
            Behaviors.setup(context -> new IsolatorActor(context, stash, timers, isolator, container,
                timeout, owner, metrics)))));
  }

  private IsolatorActor(ActorContext<Command> context, StashBuffer<Command> stash,
      TimerScheduler<Command> timers, Isolator isolator, ContainerContext container,
      Duration timeout, ActorRef<Reply> owner, ContainerMetrics metrics) {
    super(context);
    this.metrics = MetricsRecorder.of(metrics);
    this.isolator = isolator;
    this.name = isolator.name();
    this.container = container;
    this.stash = stash;
    this.timers = timers;
    this.timeout = timeout;
    this.owner = owner;
    this.blocking = context.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig(BLOCKING_DISPATCHER));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Completed.class, this::onCompleted)
        .onMessage(TimedOut.class, this::onTimedOut)
        .onMessage(Command.class, this::onCommand)
        .build();
  }

  private Behavior<Command> onCommand(Command command) {
    if (busy && stash.isFull()) {
      reject(command, new Cause.Overloaded());
    } else if (busy) {
      stash.stash(command);
    } else {
      run(command);
    }
    return this;
  }

  /** Answers {@code command} with a failure without calling the isolator. */
  private void reject(Command command, Cause cause) {
    command.replyTo().tell(new Failed(name, command.phase(), cause));
  }

  private Behavior<Command> onCompleted(Completed completed) {
    if (!busy || completed.call() != call) {
      getContext().getLog().warn("Isolator '{}' returned from phase {} of container '{}' after it timed out: {}",
          name, completed.phase(), container.name(), completed.reply());
      return this;
    }
    timers.cancel(TimedOut.class);
    if (completed.reply() != null) {
      tell(completed.replyTo(), completed.reply());
    }
    return next();
  }

  private Behavior<Command> onTimedOut(TimedOut timedOut) {
    if (!busy || timedOut.call() != call) {
      return this;
    }
    Failed failed = new Failed(name, timedOut.phase(), new Cause.TimedOut(timeout));
    getContext().getLog().error("Isolator '{}' phase {} of container '{}' {}; abandoning the call",
        name, timedOut.phase(), container.name(), failed.error().detail());
    tell(timedOut.replyTo(), failed, true);
    return next();
  }

  private Behavior<Command> next() {
    busy = false;
    return stash.isEmpty() ? this : stash.unstash(this, 1, c -> c);
  }

  private void tell(ActorRef<Reply> replyTo, Reply reply) {
    tell(replyTo, reply, false);
  }

  /**
   * Sends {@code reply}; an isolator's failure also goes to the owner when it is not the asker,
   * except a refused {@code update}: that is an answer to the caller (the container keeps
   * running, see {@link IsolatorUpdate}). An update that hung ({@code timedOut}) is a fault.
   */
  private void tell(ActorRef<Reply> replyTo, Reply reply, boolean timedOut) {
    replyTo.tell(reply);
    if (reply instanceof Failed f && owner != null && !owner.equals(replyTo)
        && (f.phase() != Phase.UPDATE || timedOut)) {
      owner.tell(reply);
    }
  }

  private void run(Command command) {
    if (command instanceof Prepare p) {
      if (p.container() != null) {
        container = p.container();
      }
      ContainerContext preparing = container;
      call(Phase.PREPARE, p.replyTo(), () -> {
        io.corral.proto.v1.LaunchPlan fragment = isolator.prepare(preparing);
        if (fragment == null) {
          throw new IllegalStateException("prepare returned no launch plan");
        }
        return new Prepared(name, fragment);
      });
    } else if (command instanceof Isolate i) {
      call(Phase.ISOLATE, i.replyTo(), () -> {
        isolator.isolate(container, i.pid());
        return new Isolated(name);
      });
    } else if (command instanceof Watch w) {
      call(Phase.WATCH, w.replyTo(), () -> {
        isolator.watch(container).whenComplete((limitation, error) -> w.replyTo().tell(
            error != null || limitation == null
                ? new Failed(error == null
                    ? new IsolatorFailed(name, Phase.WATCH, new Cause.Threw("null", "no limitation"))
                    : IsolatorFailed.of(name, Phase.WATCH, error))
                : new LimitationReached(name, limitation)));
        return null; // the watch itself is answered when the limitation arrives
      });
    } else if (command instanceof IsolatorProtocol.Update u) {
      call(Phase.UPDATE, u.replyTo(), () -> {
        isolator.update(container, u.requests(), u.limits());
        return new IsolatorProtocol.Updated(name);
      });
    } else if (command instanceof Usage u) {
      call(Phase.USAGE, u.replyTo(), () -> {
        ResourceStatistics.Builder statistics = ResourceStatistics.newBuilder();
        isolator.usage(container, statistics);
        return new UsageSampled(name, statistics.buildPartial());
      });
    } else if (command instanceof Status s) {
      call(Phase.STATUS, s.replyTo(), () -> {
        ContainerStatus.Builder status = ContainerStatus.newBuilder();
        isolator.status(container, status);
        return new StatusReported(name, status.buildPartial());
      });
    } else if (command instanceof Cleanup c) {
      call(Phase.CLEANUP, c.replyTo(), () -> {
        isolator.cleanup(container);
        return new CleanedUp(name);
      });
    } else {
      getContext().getLog().warn("Ignoring unknown isolator command [{}]", command);
    }
  }

  /**
   * Runs {@code work} on the blocking dispatcher; a null result sends no reply. A phase the
   * isolator does not implement (the interface's default, which does nothing and blocks nothing)
   * runs here and now: most isolators implement two or three of the phases, and a trip through
   * the blocking dispatcher for each of the others would cost every launch.
   */
  private void call(Phase phase, ActorRef<Reply> replyTo, Supplier<Reply> work) {
    if (!ImplementedPhases.of(isolator.getClass()).contains(phase)) {
      Reply reply;
      try {
        reply = work.get();
      } catch (RuntimeException e) {
        reply = new Failed(IsolatorFailed.of(name, phase, e));
      }
      if (reply != null) {
        tell(replyTo, reply);
      }
      return;
    }
    busy = true;
    long number = ++call;
    if (timeout != null) {
      timers.startSingleTimer(TimedOut.class, new TimedOut(number, phase, replyTo), timeout);
    }
    CompletableFuture<Reply> result = CompletableFuture.supplyAsync(() -> {
      long start = System.nanoTime();
      try {
        return work.get();
      } catch (RuntimeException e) {
        return new Failed(IsolatorFailed.of(name, phase, e));
      } finally {
        metrics.phase(name, phase, System.nanoTime() - start);
      }
    }, blocking);
    getContext().pipeToSelf(result, (reply, error) -> new Completed(number, phase,
        error != null ? new Failed(IsolatorFailed.of(name, phase, error)) : reply, replyTo));
  }
}
