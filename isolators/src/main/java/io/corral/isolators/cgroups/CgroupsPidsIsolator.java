package io.corral.isolators.cgroups;

import io.corral.isolators.ContainerContext;
import io.corral.proto.v1.ResourceStatistics;
import java.util.List;
import java.util.Map;

/**
 * {@code cgroups/pids}: the {@code pids} hierarchy with a real {@code pids.max} (Mesos writes
 * none): from a {@code pids} limit ({@code limits.pids}) or request (resource {@code pids}), else
 * {@code --cgroups_max_pids} when set. A fork bomb then fails its forks with EAGAIN inside its own
 * cgroup, and the agent and other containers keep their pids. Usage: {@code processes} and
 * {@code threads}. See {@link CgroupsIsolator} for the lifecycle and threading.
 */
public final class CgroupsPidsIsolator extends CgroupsIsolator {

  public CgroupsPidsIsolator(Hierarchies hierarchies) {
    super(hierarchies, List.of("pids"));
  }

  @Override
  public String name() {
    return "cgroups/pids";
  }

  @Override
  protected void prepared(ContainerContext container) {
    applyLaunchResources(container);
  }

  @Override
  protected void applyResources(ContainerContext container, Map<String, Double> requests,
      Map<String, Double> limits, boolean initial) {
    Double asked = limits.containsKey("pids") ? limits.get("pids") : requests.get("pids");
    long max = asked == null ? hierarchies.config().maxPids()
        : Double.isInfinite(asked) ? 0 : (long) Math.floor(asked);
    if (asked != null || max > 0) {
      controller(container).setMax(max);
    }
  }

  @Override
  public void usage(ContainerContext container, ResourceStatistics.Builder statistics) {
    if (known(container)) {
      controller(container).addUsage(statistics);
    }
  }

  private PidsController controller(ContainerContext container) {
    Hierarchy pids = hierarchy("pids");
    return new PidsController(pids.fs(), pids.cgroup(container.name()));
  }
}
