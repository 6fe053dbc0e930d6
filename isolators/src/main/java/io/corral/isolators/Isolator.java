package io.corral.isolators;

import io.corral.proto.v1.CommandInfo;
import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.ContainerInfo;
import io.corral.proto.v1.ContainerStatus;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.Resource;
import io.corral.proto.v1.ResourceStatistics;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * One {@code --isolation} name: the Mesos isolator lifecycle as plain Java.
 *
 * <p>Threading: an {@code IsolatorActor} calls every method on the blocking dispatcher, one call
 * at a time per container; implementations keep per-container state in concurrent maps because
 * calls for different containers may run in parallel. The one exception: a call that has not
 * returned within {@code --isolator_phase_timeout} is abandoned (its thread stays blocked in it),
 * and the next call for that container, {@link #cleanup} in particular, runs beside it. Any exception (an {@link IsolatorException}
 * for an expected refusal, a {@code LinuxException} from the kernel) fails that phase for that
 * container only: the container is destroyed and the message names the isolator and phase.
 *
 * <p>{@link #prepare} returns data, not effects: the fragment of the {@link LaunchPlan} that
 * corral-init must carry out inside the container (namespaces, mounts, environment, ...). The
 * containerizer merges the fragments of all isolators in their fixed order.
 *
 * <p>{@link #cleanup} is called once per prepared container after all its processes are gone,
 * in reverse isolator order, even after a failed launch; it must accept a container it has
 * never seen. {@link #recover} rebuilds in-memory state after an agent restart.
 */
public interface Isolator {

  /** The Mesos name under which {@code --isolation} selects this isolator. */
  String name();

  /**
   * The request fields this isolator honours, named as {@link UnsupportedFields} names them (v1
   * JSON paths below {@code launch_container}, e.g. {@code container.network_infos}): a launch
   * that sets one is refused unless an isolator of the agent honours it.
   */
  default Set<String> honours() {
    return Set.of();
  }

  /**
   * Why this isolator cannot serve a launch of {@code container} running {@code command} (a 400
   * at LAUNCH, checked before anything is created for the container), or empty when it can. Pure
   * and quick: it runs on the containerizer's thread.
   */
  default Optional<String> invalid(ContainerInfo container, CommandInfo command) {
    return Optional.empty();
  }

  /**
   * {@link #invalid(ContainerInfo, CommandInfo)} for an isolator whose answer also depends on the
   * container's id (the default asks the two-argument form). The containerizer calls this one.
   */
  default Optional<String> invalid(ContainerID id, ContainerInfo container, CommandInfo command) {
    return invalid(container, command);
  }

  /** Rebuilds state for containers that survived an agent restart; orphans are cleaned up later. */
  default void recover(List<ContainerContext> recovered) {}

  /** The launch-plan fragment for this container, before its init exists. */
  default LaunchPlan prepare(ContainerContext container) {
    return LaunchPlan.getDefaultInstance();
  }

  /** The init exists (blocked on the sync pipe, host pid {@code pid}): attach it to resources. */
  default void isolate(ContainerContext container, int pid) {}

  /** Completes when the container breaches a limit; most isolators never complete it. */
  default CompletionStage<Limitation> watch(ContainerContext container) {
    return new CompletableFuture<>();
  }

  /** Applies new resource requests and limits (resource name to value; infinity = unlimited). */
  default void update(ContainerContext container, List<Resource> requests, Map<String, Double> limits) {}

  /** Adds this isolator's numbers to the container's statistics. */
  default void usage(ContainerContext container, ResourceStatistics.Builder statistics) {}

  /** Adds this isolator's part of the container's status (cgroup info, network info, ...). */
  default void status(ContainerContext container, ContainerStatus.Builder status) {}

  /** Releases everything this isolator holds for the container; tolerates unknown containers. */
  default void cleanup(ContainerContext container) {}
}
