package io.corral.isolators.cgroups;

import io.corral.isolators.ContainerContext;
import io.corral.isolators.Contexts;
import io.corral.proto.v1.Resource;
import io.corral.proto.v1.Value;
import io.corral.proto.v1.agent.Call;
import java.util.Map;

/** Container contexts with resources and limits for the cgroups isolator tests. */
final class Launches {
  private Launches() {}

  static Resource scalar(String name, double value) {
    return Resource.newBuilder().setName(name).setType(Value.Type.SCALAR)
        .setScalar(Value.Scalar.newBuilder().setValue(value)).build();
  }

  /** A container requesting {@code requests} (name, value pairs) with {@code limits}. */
  static ContainerContext of(String id, Map<String, Double> requests, Map<String, Double> limits) {
    ContainerContext base = Contexts.of(id);
    Call.LaunchContainer.Builder launch = base.launch().toBuilder();
    requests.forEach((name, value) -> launch.addResources(scalar(name, value)));
    limits.forEach((name, value) -> launch.putLimits(name,
        Value.Scalar.newBuilder().setValue(value).build()));
    return new ContainerContext(base.id(), launch.build(), base.sandbox(), base.runtimeDir());
  }
}
