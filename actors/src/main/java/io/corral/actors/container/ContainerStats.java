package io.corral.actors.container;

import io.corral.proto.v1.Resource;
import io.corral.proto.v1.ResourceStatistics;
import io.corral.proto.v1.Value;
import io.corral.proto.v1.agent.Call;

/**
 * What Mesos adds to the isolators' statistics independently of them: the timestamp and the
 * limits taken from the launch resources ({@code cpus_soft_limit} from the cpus request,
 * {@code cpus_limit} from {@code limits.cpus}, {@code mem_soft_limit_bytes} from the mem request,
 * {@code mem_limit_bytes} from {@code limits.mem} or else the mem request). Pure functions,
 * called on actor threads.
 */
final class ContainerStats {
  private static final double MB = 1024.0 * 1024.0;

  private ContainerStats() {}

  /** {@code partial} with {@code timestamp} (seconds since the epoch) and the launch limits. */
  static ResourceStatistics finish(ResourceStatistics partial, Call.LaunchContainer launch) {
    ResourceStatistics.Builder statistics = partial.toBuilder()
        .setTimestamp(System.currentTimeMillis() / 1000.0);
    Double cpusRequest = scalar(launch, "cpus");
    if (cpusRequest != null) {
      statistics.setCpusSoftLimit(cpusRequest);
    }
    Double memRequest = scalar(launch, "mem");
    Value.Scalar memLimit = launch.getLimitsMap().get("mem");
    Value.Scalar cpusLimit = launch.getLimitsMap().get("cpus");
    if (memRequest != null) {
      statistics.setMemSoftLimitBytes((long) (memRequest * MB));
    }
    if (memLimit != null && Double.isFinite(memLimit.getValue())) {
      statistics.setMemLimitBytes((long) (memLimit.getValue() * MB));
    } else if (memLimit == null && memRequest != null) {
      statistics.setMemLimitBytes((long) (memRequest * MB));
    }
    if (cpusLimit != null && Double.isFinite(cpusLimit.getValue())) {
      statistics.setCpusLimit(cpusLimit.getValue());
    }
    return statistics.build();
  }

  /** The sum of the scalar resources named {@code name}, or null when there are none. */
  static Double scalar(Call.LaunchContainer launch, String name) {
    Double total = null;
    for (Resource resource : launch.getResourcesList()) {
      if (resource.getName().equals(name) && resource.hasScalar()) {
        total = (total == null ? 0 : total) + resource.getScalar().getValue();
      }
    }
    return total;
  }
}
