package io.corral.actors.container;

import io.corral.actors.ContainerError;
import io.corral.actors.ContainerState;
import io.corral.images.fetcher.FetchCancel;
import io.corral.proto.v1.ContainerTermination;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.agent.Call;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The phases of one container as data: one record per phase, each holding only what is true in
 * that phase, so that what a phase knows is read in one place. The container actor's behavior
 * is a function of the current record ({@link ContainerActor#behavior}); a handler answers a
 * message by returning the next record (or the same). A new phase (provisioning an image,
 * fetching URIs) is a new record and a new behavior function, entered from the one before it.
 *
 * <p>Immutable values, used on the container actor's thread only.
 */
sealed interface Lifecycle {

  /** The state the API reports for this phase. */
  ContainerState state();

  /** The pid of the container's init, once one was forked (or adopted). */
  OptionalInt initPid();

  /** The launch request with the resources in use now (an update replaces them). */
  Call.LaunchContainer resources();

  /**
   * Making the root filesystem of a container launched from an image (the provisioner's work, off
   * the actor); the isolators are asked to prepare once it exists.
   */
  record Provisioning(Call.LaunchContainer resources) implements Lifecycle {
    public ContainerState state() {
      return ContainerState.PROVISIONING;
    }

    public OptionalInt initPid() {
      return OptionalInt.empty();
    }
  }

  /**
   * Asking the isolators, in order, for their part of the plan: {@code asked} of them have been
   * asked (these and only these are cleaned up), {@code fragments} holds the answers so far.
   */
  record Preparing(Call.LaunchContainer resources, int asked, List<Map.Entry<String, LaunchPlan>> fragments)
      implements Lifecycle {
    public ContainerState state() {
      return ContainerState.PREPARING;
    }

    public OptionalInt initPid() {
      return OptionalInt.empty();
    }
  }

  /** The plan is complete; the init is forked, isolated and released ({@code fork} says how far). */
  record Isolating(Call.LaunchContainer resources, Fork fork) implements Lifecycle {
    public ContainerState state() {
      return ContainerState.ISOLATING;
    }

    public OptionalInt initPid() {
      if (fork instanceof AwaitingIsolators i) {
        return OptionalInt.of(i.init());
      }
      return fork instanceof Releasing r ? OptionalInt.of(r.init()) : OptionalInt.empty();
    }
  }

  /**
   * The init is isolated and waits on its sync pipe while the fetcher puts the command's URIs
   * into the sandbox (off the actor; {@code cancel} stops it); {@code fork} is
   * {@code AwaitingIsolators(init, 0)} while fetching, then {@code Releasing} once the init was
   * told to go on.
   */
  record Fetching(Call.LaunchContainer resources, Fork fork, FetchCancel cancel) implements Lifecycle {
    public ContainerState state() {
      return ContainerState.FETCHING;
    }

    public OptionalInt initPid() {
      return fork instanceof Releasing r ? OptionalInt.of(r.init()) : OptionalInt.of(((AwaitingIsolators) fork).init());
    }
  }

  /** How far the fork of an ISOLATING container got. */
  sealed interface Fork {}

  /** The launcher's fork step is in flight. */
  record Forking() implements Fork {}

  /** The fork step failed: nothing was forked. */
  record NotForked() implements Fork {}

  /** The init waits on its sync pipe; {@code pending} isolators have not answered Isolate yet. */
  record AwaitingIsolators(int init, int pending) implements Fork {}

  /**
   * Release was asked for; a short command may exit ({@code exit}) before the answer comes, which
   * alone decides whether the command was exec'd.
   */
  record Releasing(int init, Optional<Exit> exit) implements Fork {}

  /** The init was reaped: the command's raw wait status, when known. */
  record Exit(Optional<Integer> status) {}

  /** The command runs; {@code updates} holds the config rewrites of updates in flight. */
  record Running(int init, IsolatorUpdate.Updates updates) implements Lifecycle {
    public ContainerState state() {
      return ContainerState.RUNNING;
    }

    public OptionalInt initPid() {
      return OptionalInt.of(init);
    }

    public Call.LaunchContainer resources() {
      return updates.resources();
    }
  }

  /**
   * Being destroyed, from any earlier phase and at most once: {@code termination} is what WAIT
   * will say (amended on the way), {@code launchError} what a launch still waiting hears,
   * {@code toClean} how many isolators (the first ones) to clean up, {@code exitStatus} the
   * command's, and {@code step} how far the destruction got.
   */
  record Destroying(ContainerTermination termination, Optional<ContainerError> launchError,
      IsolatorUpdate.Updates updates,
      OptionalInt initPid, int toClean, Optional<Integer> exitStatus, Step step) implements Lifecycle {
    public ContainerState state() {
      return ContainerState.DESTROYING;
    }

    public Call.LaunchContainer resources() {
      return updates.resources();
    }

    Destroying with(Step next) {
      return new Destroying(termination, launchError, updates, initPid, toClean, exitStatus, next);
    }

    Destroying withTermination(ContainerTermination amended) {
      return new Destroying(amended, launchError, updates, initPid, toClean, exitStatus, step);
    }

    Destroying exited(Exit exit) {
      return new Destroying(termination, launchError, updates, initPid, toClean,
          exit.status().isPresent() ? exit.status() : exitStatus, step);
    }
  }

  /** How far a destruction got. */
  sealed interface Step {}

  /** The fork is still in flight: its outcome decides what there is to kill. */
  record AwaitingFork() implements Step {}

  /** SIGKILL was sent to the init's namespace; KILL requests wait for its acknowledgement. */
  record Killing() implements Step {}

  /** The init was aborted (or the kill acknowledged); waiting for it to be reaped. */
  record Dying() implements Step {}

  /**
   * Cleaning up isolator {@code index} (counting down to 0); {@code attempts} keeps the failures
   * of this destruction's cleanups.
   */
  record CleaningUp(int index, CleanupAttempts attempts) implements Step {}

  /** The termination is being checkpointed. */
  record Checkpointing() implements Step {}

  /** Ended; kept until REMOVE. */
  record Terminated(ContainerTermination termination, Call.LaunchContainer resources, OptionalInt initPid)
      implements Lifecycle {
    public ContainerState state() {
      return ContainerState.TERMINATED;
    }
  }
}
