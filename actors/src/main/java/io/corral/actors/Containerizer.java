package io.corral.actors;

import io.corral.actors.container.ContainerizerStart;
import io.corral.posix.launch.Stdio;
import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.ContainerStatus;
import io.corral.proto.v1.ContainerTermination;
import io.corral.proto.v1.ResourceStatistics;
import io.corral.proto.v1.agent.Call;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;

/**
 * The public entry for embedding Corral: a scheduler spawns {@link #create} in its own
 * {@code ActorSystem} and talks to it with the commands below; the HTTP agent does the same.
 * That actor forwards every command to the real root, its child {@code containerizer}, which
 * runs with every actor below it on {@code corral.actor-dispatcher} (see reference.conf),
 * whatever dispatcher the embedding chose; it stops when the root does.
 *
 * <p>Every command is answered exactly once on its {@code replyTo}, with its success reply or
 * {@link Rejected} carrying a {@link ContainerError}. {@link Wait} is answered when the container
 * has terminated; the termination stays retrievable until {@link Remove}.
 */
public final class Containerizer {
  private Containerizer() {}

  /**
   * The behavior of the containerizer root actor ({@code ContainerizerActor}) without
   * recovery: it starts empty, ignores what an earlier run left on disk, and kills its
   * containers when it stops (what {@code corral run} and most embeddings want).
   */
  public static Behavior<Command> create(ContainerizerSettings settings) {
    return ContainerizerStart.create(settings, null, new CompletableFuture<>());
  }

  /**
   * The root of an agent that recovers (Mesos' {@code --recover}): before it serves anything
   * it recovers every container an earlier run left under the work and runtime directories
   * (commands sent meanwhile wait), completes {@code recovered} with how many it found, and
   * leaves its containers running when it stops, for the next run to recover.
   */
  public static Behavior<Command> create(
      ContainerizerSettings settings, RecoverMode mode, CompletableFuture<Integer> recovered) {
    return ContainerizerStart.create(settings, java.util.Objects.requireNonNull(mode), recovered);
  }

  /** Mesos' {@code --recover} values. */
  public enum RecoverMode {
    /** Re-adopt running containers, report those that ended. */
    RECONNECT,
    /** Destroy every container found, reporting each as terminated. */
    CLEANUP;

    /** The flag's value ({@code reconnect} or {@code cleanup}), as Mesos spells it. */
    public String flag() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * Parses a {@code --recover} value.
     *
     * @throws IllegalArgumentException with Mesos' wording for any other value
     */
    public static RecoverMode parse(String value) {
      for (RecoverMode mode : values()) {
        if (mode.flag().equals(value)) {
          return mode;
        }
      }
      throw new IllegalArgumentException("Failed to load flag 'recover': Invalid value '" + value
          + "': expected 'reconnect' or 'cleanup'");
    }
  }

  /** A message to the containerizer; the public ones are the records below. */
  public interface Command {}

  /** Launches a standalone container. {@code stdio} null means the sandbox's stdout/stderr. */
  public record Launch(Call.LaunchContainer request, Stdio stdio, ActorRef<LaunchReply> replyTo)
      implements Command {}

  /** Answered when the container has terminated (at once if it already has). */
  public record Wait(ContainerID id, ActorRef<WaitReply> replyTo) implements Command {}

  /** Sends {@code signal} to the container (SIGKILL destroys it). */
  public record Kill(ContainerID id, int signal, ActorRef<KillReply> replyTo) implements Command {}

  /** Forgets a terminated container and deletes its sandbox and runtime directory. */
  public record Remove(ContainerID id, ActorRef<RemoveReply> replyTo) implements Command {}

  /**
   * Removes the stored images no container uses, except {@code excluded} (Mesos' PRUNE_IMAGES);
   * answered with {@link Pruned}, also on an agent without images (there is nothing to prune).
   */
  public record PruneImages(List<io.corral.proto.v1.Image> excluded, ActorRef<PruneReply> replyTo)
      implements Command {}

  public sealed interface PruneReply permits Pruned, Rejected {}

  public record Pruned() implements PruneReply {}

  /** Lists every known container, running or terminated-but-not-removed. */
  public record GetContainers(ActorRef<Containers> replyTo) implements Command {}

  /** The resource usage of one container. */
  public record Usage(ContainerID id, ActorRef<UsageReply> replyTo) implements Command {}

  /**
   * Applies new resource requests and limits to a RUNNING container through every isolator's
   * {@code update}, in parallel; answered with {@link Updated} when all succeeded, else with
   * {@link Rejected} naming each failed isolator. A failed update leaves the container running
   * (what the isolators that succeeded applied stays applied). {@code limits}: resource name to
   * value, infinity for unlimited. Any other state: {@link ContainerError.InvalidState}.
   */
  public record Update(ContainerID id, List<io.corral.proto.v1.Resource> requests,
      java.util.Map<String, Double> limits, ActorRef<UpdateReply> replyTo) implements Command {}

  public sealed interface UpdateReply permits Updated, Rejected {}

  public record Updated(ContainerID id) implements UpdateReply {}

  public sealed interface LaunchReply permits Launched, AlreadyLaunched, Rejected {}

  public sealed interface WaitReply permits Terminated, Rejected {}

  public sealed interface KillReply permits Killed, Rejected {}

  public sealed interface RemoveReply permits Removed, Rejected {}

  public sealed interface UsageReply permits Statistics, Rejected {}

  /** The command has been exec'd: the container is RUNNING. */
  public record Launched(ContainerID id) implements LaunchReply {}

  /** The id is in use; the existing container is untouched (MESOS-6214). */
  public record AlreadyLaunched(ContainerID id) implements LaunchReply {}

  public record Terminated(ContainerID id, ContainerTermination termination) implements WaitReply {}

  public record Killed(ContainerID id) implements KillReply {}

  public record Removed(ContainerID id) implements RemoveReply {}

  public record Statistics(ContainerID id, ResourceStatistics statistics) implements UsageReply {}

  public record Containers(List<ContainerSnapshot> containers) {}

  /** One container as listed: its state, status, latest usage and, once ended, its termination. */
  public record ContainerSnapshot(
      ContainerID id,
      ContainerState state,
      ContainerStatus status,
      ResourceStatistics statistics,
      Optional<ContainerTermination> termination) {}

  /** The failure answer to any command. */
  public record Rejected(ContainerError error)
      implements LaunchReply, WaitReply, KillReply, RemoveReply, UsageReply, UpdateReply, PruneReply {}
}
