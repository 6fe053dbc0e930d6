package io.corral.testkit;

import io.corral.isolators.ContainerContext;
import io.corral.isolators.Isolator;
import io.corral.isolators.Limitation;
import io.corral.isolators.Phase;
import io.corral.proto.v1.ContainerStatus;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.Resource;
import io.corral.proto.v1.ResourceStatistics;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * An isolator with {@link Faults} in front of it: before each phase, the first rule of its
 * {@code Faults} that strikes this isolator, phase and container replaces the call with its
 * {@link Fault}; otherwise the call goes to the wrapped isolator. Same name and same threading
 * as the wrapped isolator (every phase is called on the containerizer's blocking dispatcher).
 */
final class FaultyIsolator implements Isolator {
  private final Isolator isolator;
  private final Faults faults;

  FaultyIsolator(Isolator isolator, Faults faults) {
    this.isolator = isolator;
    this.faults = faults;
  }

  private void before(Phase phase, ContainerContext container) {
    Faults.Rule rule = faults.strike(Faults.Kind.ISOLATOR, isolator.name(), phase,
        container == null ? null : container.name());
    if (rule != null) {
      faults.apply(rule, isolator.name(), phase);
    }
  }

  @Override
  public String name() {
    return isolator.name();
  }

  @Override
  public void recover(List<ContainerContext> recovered) {
    for (ContainerContext container : recovered) {
      before(Phase.RECOVER, container);
    }
    if (recovered.isEmpty()) {
      before(Phase.RECOVER, null);
    }
    isolator.recover(recovered);
  }

  @Override
  public LaunchPlan prepare(ContainerContext container) {
    before(Phase.PREPARE, container);
    return isolator.prepare(container);
  }

  @Override
  public void isolate(ContainerContext container, int pid) {
    before(Phase.ISOLATE, container);
    isolator.isolate(container, pid);
  }

  @Override
  public CompletionStage<Limitation> watch(ContainerContext container) {
    before(Phase.WATCH, container);
    return isolator.watch(container);
  }

  @Override
  public void update(ContainerContext container, List<Resource> requests, Map<String, Double> limits) {
    before(Phase.UPDATE, container);
    isolator.update(container, requests, limits);
  }

  @Override
  public void usage(ContainerContext container, ResourceStatistics.Builder statistics) {
    before(Phase.USAGE, container);
    isolator.usage(container, statistics);
  }

  @Override
  public void status(ContainerContext container, ContainerStatus.Builder status) {
    before(Phase.STATUS, container);
    isolator.status(container, status);
  }

  @Override
  public void cleanup(ContainerContext container) {
    before(Phase.CLEANUP, container);
    isolator.cleanup(container);
  }
}
