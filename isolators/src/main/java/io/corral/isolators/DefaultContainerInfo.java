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
import java.util.concurrent.CompletionStage;

/**
 * {@code --default_container_info} for one isolator: a launch without a ContainerInfo is seen by
 * the wrapped isolator as if it carried the agent's default (Mesos copies the default into an
 * ExecutorInfo that has none, so every isolator sees it: filesystem/shared its volumes,
 * posix/rlimits its rlimits, namespaces/ipc and linux/capabilities its linux_info). A launch with
 * its own ContainerInfo is passed through untouched. Same threading as the wrapped isolator.
 */
final class DefaultContainerInfo implements Isolator {
  private final Isolator isolator;
  private final ContainerInfo defaults;

  DefaultContainerInfo(Isolator isolator, ContainerInfo defaults) {
    this.isolator = isolator;
    this.defaults = defaults;
  }

  /** The container as the isolator sees it. */
  ContainerContext apply(ContainerContext container) {
    if (container.launch().hasContainer()) {
      return container;
    }
    return new ContainerContext(container.id(),
        container.launch().toBuilder().setContainer(defaults).build(),
        container.sandbox(), container.runtimeDir());
  }

  @Override
  public String name() {
    return isolator.name();
  }

  @Override
  public Set<String> honours() {
    return isolator.honours();
  }

  @Override
  public Optional<String> invalid(ContainerInfo container, CommandInfo command) {
    return isolator.invalid(container, command);
  }

  @Override
  public Optional<String> invalid(ContainerID id, ContainerInfo container, CommandInfo command) {
    return isolator.invalid(id, container, command);
  }

  @Override
  public void recover(List<ContainerContext> recovered) {
    isolator.recover(recovered.stream().map(this::apply).toList());
  }

  @Override
  public LaunchPlan prepare(ContainerContext container) {
    return isolator.prepare(apply(container));
  }

  @Override
  public void isolate(ContainerContext container, int pid) {
    isolator.isolate(apply(container), pid);
  }

  @Override
  public CompletionStage<Limitation> watch(ContainerContext container) {
    return isolator.watch(apply(container));
  }

  @Override
  public void update(ContainerContext container, List<Resource> requests, Map<String, Double> limits) {
    isolator.update(apply(container), requests, limits);
  }

  @Override
  public void usage(ContainerContext container, ResourceStatistics.Builder statistics) {
    isolator.usage(apply(container), statistics);
  }

  @Override
  public void status(ContainerContext container, ContainerStatus.Builder status) {
    isolator.status(apply(container), status);
  }

  @Override
  public void cleanup(ContainerContext container) {
    isolator.cleanup(apply(container));
  }
}
