package io.corral.actors;

import io.corral.isolators.Limitation;
import io.corral.isolators.Phase;
import io.corral.proto.v1.ContainerID;

/**
 * Expected failures, as values. {@code http}'s {@code ErrorMapping} maps each to one status code
 * and a stable code; messages follow Mesos' {@code Failed to <verb>: <cause>} with ids quoted.
 */
public sealed interface ContainerError {

  String message();

  record NotFound(ContainerID id) implements ContainerError {
    public String message() {
      return "Container '" + id.getValue() + "' cannot be found";
    }
  }

  record AlreadyExists(ContainerID id) implements ContainerError {
    public String message() {
      return "Container '" + id.getValue() + "' already exists";
    }
  }

  record InvalidState(ContainerID id, ContainerState state, String detail) implements ContainerError {
    public String message() {
      return detail + ": container '" + id.getValue() + "' is " + state;
    }
  }

  record IsolatorFailed(String isolator, Phase phase, String detail) implements ContainerError {
    public String message() {
      return "Failed to " + phase.verb() + " with isolator '" + isolator + "': " + detail;
    }
  }

  record LimitationReached(Limitation limitation) implements ContainerError {
    public String message() {
      return limitation.message();
    }
  }

  /** The launch failed at a named step of the helper, or before it. */
  record LaunchFailed(String detail) implements ContainerError {
    public String message() {
      return "Failed to launch container: " + detail;
    }
  }

  record InvalidRequest(String detail) implements ContainerError {
    public String message() {
      return detail;
    }
  }

  /** The agent could not do its own part (create a sandbox, write a checkpoint). */
  record Internal(String detail) implements ContainerError {
    public String message() {
      return detail;
    }
  }
}
