package io.corral.actors.recovery;

import io.corral.proto.v1.ContainerConfig;
import io.corral.proto.v1.ContainerPids;
import io.corral.proto.v1.ContainerTermination;
import io.corral.proto.v1.TaskState;
import io.corral.proto.v1.TaskStatus;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What a restarted agent does with one container, decided from its checkpoints alone (Mesos'
 * recovery table, restated for Corral's runtime directory): pure, so it is unit-tested on
 * checkpoint contents. {@link Recovery} reads the files and probes the init; this class only
 * decides.
 *
 * <table>
 *   <caption>The decision, first matching row wins</caption>
 *   <tr><th>checkpoints</th><th>outcome</th></tr>
 *   <tr><td>termination readable</td><td>{@link Terminated}: it ended before, kept until REMOVE</td></tr>
 *   <tr><td>termination unreadable</td><td>{@link Destroy}: cleaned up again, reported failed</td></tr>
 *   <tr><td>config missing</td><td>{@link Destroy}: the launch stopped in PREPARING</td></tr>
 *   <tr><td>config unreadable</td><td>{@link Destroy}: reported with the read error</td></tr>
 *   <tr><td>config without a plan</td><td>{@link Destroy}: the launch stopped in PREPARING</td></tr>
 *   <tr><td>pids missing</td><td>{@link Destroy}: the launch stopped in ISOLATING</td></tr>
 *   <tr><td>pids unreadable</td><td>{@link Destroy}: reported with the read error</td></tr>
 *   <tr><td>isolators differ from the agent's</td><td>{@link Destroy}</td></tr>
 *   <tr><td>init alive (same pid and start time)</td><td>{@link Adopt}, or {@link Destroy} with
 *       {@code --recover=cleanup}</td></tr>
 *   <tr><td>init gone</td><td>{@link Ended} with the status corral-init recorded, SIGKILL (9)
 *       when it recorded none</td></tr>
 * </table>
 *
 * <p>Threading: pure functions, any thread.
 */
public final class RecoveryDecision {
  private RecoveryDecision() {}

  static final int SIGKILL_STATUS = 9;

  /** One checkpoint as read: a value, or an error, or neither when the file does not exist. */
  record Read<T>(Optional<T> value, Optional<String> error) {
    static <T> Read<T> missing() {
      return new Read<>(Optional.empty(), Optional.empty());
    }

    static <T> Read<T> of(T value) {
      return new Read<>(Optional.of(value), Optional.empty());
    }

    static <T> Read<T> failed(String error) {
      return new Read<>(Optional.empty(), Optional.of(error));
    }
  }

  /** Whether the checkpointed init still runs: probed only when the pids are readable. */
  enum Init { ALIVE, GONE, NOT_PROBED }

  /** What becomes of the container. */
  public sealed interface Outcome {}

  /** It had terminated before the restart: listed as TERMINATED with its termination. */
  public record Terminated(ContainerTermination termination) implements Outcome {}

  /** It runs: re-adopted in RUNNING. */
  public record Adopt() implements Outcome {}

  /** It exited while the agent was down: cleaned up, terminated with the recorded status. */
  public record Ended(int status) implements Outcome {}

  /** It cannot be recovered: destroyed (its init killed if alive) and terminated with this. */
  public record Destroy(ContainerTermination termination) implements Outcome {}

  /** Whether the init needs probing: the checkpoints alone leave only adopt-or-ended open. */
  static boolean needsProbe(Read<ContainerConfig> config, Read<ContainerPids> pids,
      Read<ContainerTermination> termination, List<String> isolators) {
    return decideFromFiles("", config, pids, termination, isolators).isEmpty();
  }

  static Outcome decide(String id, Read<ContainerConfig> config, Read<ContainerPids> pids,
      Read<ContainerTermination> termination, List<String> isolators, Init init,
      OptionalInt status, boolean cleanup) {
    Optional<Outcome> fromFiles = decideFromFiles(id, config, pids, termination, isolators);
    if (fromFiles.isPresent()) {
      return fromFiles.get();
    }
    if (init == Init.ALIVE) {
      return cleanup ? failed("Container destroyed on recovery: the agent runs with --recover=cleanup")
          : new Adopt();
    }
    if (init == Init.NOT_PROBED) {
      throw new IllegalArgumentException("the init of container '" + id + "' must be probed");
    }
    return new Ended(status.orElse(SIGKILL_STATUS));
  }

  private static Optional<Outcome> decideFromFiles(String id, Read<ContainerConfig> config,
      Read<ContainerPids> pids, Read<ContainerTermination> termination, List<String> isolators) {
    if (termination.value().isPresent()) {
      return Optional.of(new Terminated(termination.value().get()));
    }
    if (termination.error().isPresent()) {
      return Optional.of(failed(unreadable(id, "termination", termination.error().get())));
    }
    if (config.error().isPresent()) {
      return Optional.of(failed(unreadable(id, "config", config.error().get())));
    }
    if (config.value().isEmpty() || !config.value().get().hasPlan()) {
      return Optional.of(launchFailed("the agent stopped while it was PREPARING"));
    }
    if (pids.error().isPresent()) {
      return Optional.of(failed(unreadable(id, "pids", pids.error().get())));
    }
    if (pids.value().isEmpty()) {
      return Optional.of(launchFailed("the agent stopped while it was ISOLATING"));
    }
    List<String> recorded = config.value().get().getIsolatorsList();
    if (!recorded.equals(isolators)) {
      return Optional.of(failed("Failed to recover container '" + id + "': it was launched with"
          + " isolators '" + String.join(",", recorded) + "', the agent runs '"
          + String.join(",", isolators) + "'"));
    }
    return Optional.empty();
  }

  private static String unreadable(String id, String checkpoint, String error) {
    return "Failed to recover container '" + id + "': Failed to read checkpoint '" + checkpoint
        + "': " + error;
  }

  static Destroy failed(String message) {
    return new Destroy(ContainerTermination.newBuilder()
        .setState(TaskState.TASK_FAILED)
        .setMessage(message)
        .build());
  }

  private static Destroy launchFailed(String detail) {
    return new Destroy(ContainerTermination.newBuilder()
        .setState(TaskState.TASK_FAILED)
        .setReason(TaskStatus.Reason.REASON_CONTAINER_LAUNCH_FAILED)
        .setMessage("Failed to launch container: " + detail)
        .build());
  }
}
