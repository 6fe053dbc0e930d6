package io.corral.actors.container;

import io.corral.actors.ContainerError;
import io.corral.isolators.ContainerContext;
import io.corral.isolators.Limitation;
import io.corral.isolators.Phase;
import io.corral.proto.v1.ContainerStatus;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.Resource;
import io.corral.proto.v1.ResourceStatistics;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The container-to-isolator lifecycle, shared by {@link ContainerActor} and
 * {@link IsolatorActor}: one command per {@code Isolator} phase, answered exactly once on
 * {@code replyTo} with its past-participle reply or {@link Failed}. {@link Watch} is answered
 * only if the isolator reports a limitation (or its watch fails).
 */
interface IsolatorProtocol {

  /** A request to one isolator for one container, for one phase, answered on {@code replyTo}. */
  interface Command {
    Phase phase();

    ActorRef<Reply> replyTo();
  }

  /**
   * {@code container} is the container as it is now (with its root filesystem once provisioned);
   * the isolator actor uses it from then on. Null keeps the one the actor was created with.
   */
  record Prepare(ContainerContext container, ActorRef<Reply> replyTo) implements Command {
    Prepare(ActorRef<Reply> replyTo) {
      this(null, replyTo);
    }

    public Phase phase() {
      return Phase.PREPARE;
    }
  }

  record Isolate(int pid, ActorRef<Reply> replyTo) implements Command {
    public Phase phase() {
      return Phase.ISOLATE;
    }
  }

  record Watch(ActorRef<Reply> replyTo) implements Command {
    public Phase phase() {
      return Phase.WATCH;
    }
  }

  /** New resource requests and limits (resource name to value; infinity = unlimited). */
  record Update(List<Resource> requests, Map<String, Double> limits, ActorRef<Reply> replyTo)
      implements Command {
    public Phase phase() {
      return Phase.UPDATE;
    }
  }

  record Usage(ActorRef<Reply> replyTo) implements Command {
    public Phase phase() {
      return Phase.USAGE;
    }
  }

  record Status(ActorRef<Reply> replyTo) implements Command {
    public Phase phase() {
      return Phase.STATUS;
    }
  }

  record Cleanup(ActorRef<Reply> replyTo) implements Command {
    public Phase phase() {
      return Phase.CLEANUP;
    }
  }

  /** An isolator's answer; every reply names the isolator. */
  sealed interface Reply extends ContainerActor.Command {
    String isolator();
  }

  record Prepared(String isolator, LaunchPlan fragment) implements Reply {}

  record Isolated(String isolator) implements Reply {}

  record Updated(String isolator) implements Reply {}

  record LimitationReached(String isolator, Limitation limitation) implements Reply {}

  /** A partial {@link ResourceStatistics} (its timestamp is set by the container). */
  record UsageSampled(String isolator, ResourceStatistics statistics) implements Reply {}

  record StatusReported(String isolator, ContainerStatus status) implements Reply {}

  record CleanedUp(String isolator) implements Reply {}

  /** The phase failed or threw; {@code error} says which isolator, which phase and how. */
  record Failed(ContainerError.IsolatorFailed error) implements Reply {
    Failed(String isolator, Phase phase, ContainerError.IsolatorFailed.Cause cause) {
      this(new ContainerError.IsolatorFailed(isolator, phase, cause));
    }

    public String isolator() {
      return error.isolator();
    }

    public Phase phase() {
      return error.phase();
    }
  }
}
