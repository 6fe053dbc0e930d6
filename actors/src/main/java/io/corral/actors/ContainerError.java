package io.corral.actors;

import io.corral.actors.container.PhaseTimeouts;
import io.corral.isolators.IsolatorException;
import io.corral.isolators.Limitation;
import io.corral.isolators.Phase;
import io.corral.posix.Errno;
import io.corral.posix.LinuxException;
import io.corral.posix.launch.LaunchException;
import io.corral.proto.v1.ContainerID;
import java.time.Duration;
import java.util.Optional;

/**
 * Expected failures, as values: the one failure type the actors pass between them, turned into
 * text ({@link #message}) only where it leaves the process (an HTTP answer, a log line, a
 * termination). {@code http}'s {@code ErrorMapping} maps each to one status code and a stable
 * code; messages follow Mesos' {@code Failed to <verb>: <cause>} with ids quoted.
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

  /** A phase of an isolator failed; {@code cause} says how. */
  record IsolatorFailed(String isolator, Phase phase, Cause cause) implements ContainerError {
    /** The isolator refused, for {@code detail}. */
    public IsolatorFailed(String isolator, Phase phase, String detail) {
      this(isolator, phase, new Cause.Refused(detail));
    }

    /** The failure {@code error} thrown by the isolator's phase is. */
    public static IsolatorFailed of(String isolator, Phase phase, Throwable error) {
      return new IsolatorFailed(isolator, phase, Cause.of(error));
    }

    /** The cause in words, without the isolator's name. */
    public String detail() {
      return cause.describe();
    }

    public String message() {
      return "Failed to " + phase.verb() + " with isolator '" + isolator + "': " + detail();
    }

    /** How an isolator's phase failed. */
    public sealed interface Cause {
      String describe();

      /** Which cause {@code error}, thrown by a phase, is. */
      static Cause of(Throwable error) {
        Throwable cause = Failures.unwrap(error);
        if (cause instanceof IsolatorException) {
          return new Refused(Failures.describe(cause));
        }
        if (cause instanceof LinuxException l) {
          return new SystemCallFailed(l.errno(), Failures.describe(cause));
        }
        return new Threw(cause.getClass().getName(), Failures.describe(cause));
      }

      /** The isolator refused the request (an {@code IsolatorException}). */
      record Refused(String detail) implements Cause {
        public String describe() {
          return detail;
        }
      }

      /** A system call the isolator made failed with {@code errno}. */
      record SystemCallFailed(Errno errno, String detail) implements Cause {
        public String describe() {
          return detail;
        }
      }

      /** The phase did not return within the phase timeout; its call was abandoned. */
      record TimedOut(Duration after) implements Cause {
        public String describe() {
          return "timed out after " + PhaseTimeouts.format(after);
        }
      }

      /** The isolator's actor had more calls waiting than it keeps; this one was not made. */
      record Overloaded() implements Cause {
        public String describe() {
          return "Too many pending requests";
        }
      }

      /** The isolator threw what no isolator should ({@code exception} is its class): a bug. */
      record Threw(String exception, String detail) implements Cause {
        public String describe() {
          return detail;
        }
      }
    }
  }

  record LimitationReached(Limitation limitation) implements ContainerError {
    public String message() {
      return limitation.message();
    }
  }

  /**
   * The launch failed: at {@code step} of the helper (with its errno when a system call failed),
   * or before the helper ran (no step).
   */
  record LaunchFailed(Optional<String> step, Optional<Errno> errno, String detail) implements ContainerError {
    /** A launch that failed before or outside the helper. */
    public LaunchFailed(String detail) {
      this(Optional.empty(), Optional.empty(), detail);
    }

    /** The failure {@code error} describes: a {@link LaunchException} keeps its step and errno. */
    public static LaunchFailed of(Throwable error) {
      Throwable cause = Failures.unwrap(error);
      if (cause instanceof LaunchException l) {
        return new LaunchFailed(Optional.ofNullable(l.step()), l.errno(), Failures.describe(l));
      }
      return new LaunchFailed(Failures.describe(cause));
    }

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
