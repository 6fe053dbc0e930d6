package io.corral.isolators.cgroups;

import io.corral.isolators.ContainerContext;
import io.corral.proto.v1.ResourceStatistics;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code cgroups/cpu}: the {@code cpu} and {@code cpuacct} hierarchies (one, when co-mounted).
 * {@code cpu.shares} from the {@code cpus} request; a CFS quota from {@code limits.cpus} (an
 * infinite limit removes it) or, with {@code --cgroups_enable_cfs}, from the request. Unlike
 * Mesos, a launch without a {@code cpus} request is not refused: its cgroup keeps the kernel's
 * default shares. Usage: user and system time from {@code cpuacct.stat}, throttling from
 * {@code cpu.stat}, and {@code cpu_pressure} from the container's {@code cpu.pressure} where the
 * kernel has PSI. See {@link CgroupsIsolator} for the lifecycle and threading.
 */
public final class CgroupsCpuIsolator extends CgroupsIsolator {
  private static final Logger LOG = LoggerFactory.getLogger(CgroupsCpuIsolator.class);

  public CgroupsCpuIsolator(Hierarchies hierarchies) {
    super(hierarchies, List.of("cpu", "cpuacct"), List.of("cpu.pressure"));
  }

  @Override
  public String name() {
    return "cgroups/cpu";
  }

  @Override
  protected void prepared(ContainerContext container) {
    applyLaunchResources(container);
  }

  @Override
  protected void applyResources(ContainerContext container, Map<String, Double> requests,
      Map<String, Double> limits, boolean initial) {
    Hierarchy cpu = hierarchy("cpu");
    CpuController controller = new CpuController(cpu.fs(), cpu.cgroup(container.name()), cpu.v2());
    Double cpus = requests.get("cpus");
    if (cpus == null) {
      LOG.debug("No cpus requested by container '{}': kernel default shares", container.name());
    } else {
      controller.setShares(cpus);
    }
    Double limit = limits.get("cpus");
    if (limit != null) {
      controller.setQuota(limit);
    } else if (hierarchies.config().enableCfs() && cpus != null) {
      controller.setQuota(cpus);
    }
  }

  @Override
  public void usage(ContainerContext container, ResourceStatistics.Builder statistics) {
    if (!known(container)) {
      return;
    }
    Hierarchy cpuacct = hierarchy("cpuacct");
    new CpuacctController(cpuacct.fs(), cpuacct.cgroup(container.name()), cpuacct.v2())
        .addUsage(statistics, hierarchies.linux().proc().clockTicksPerSecond());
    Hierarchy cpu = hierarchy("cpu");
    new CpuController(cpu.fs(), cpu.cgroup(container.name()), cpu.v2()).addThrottling(statistics);
    addPressure(container, statistics);
  }
}
