package io.corral.isolators;

import io.corral.proto.v1.CommandInfo;
import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.ContainerInfo;
import io.corral.proto.v1.agent.Call;
import java.nio.file.Path;

/** Builds {@link ContainerContext}s for isolator tests. */
public final class Contexts {
  private Contexts() {}

  public static ContainerContext of(String id) {
    return of(id, ContainerInfo.newBuilder().setType(ContainerInfo.Type.MESOS).build());
  }

  public static ContainerContext of(String id, ContainerInfo container) {
    ContainerID cid = ContainerID.newBuilder().setValue(id).build();
    Call.LaunchContainer launch = Call.LaunchContainer.newBuilder()
        .setContainerId(cid)
        .setCommand(CommandInfo.newBuilder().setValue("true"))
        .setContainer(container)
        .build();
    return new ContainerContext(cid, launch, Path.of("/work/containers", id),
        Path.of("/run/corral/containers", id));
  }

  public static ContainerContext withRuntimeDir(String id, Path runtimeDir) {
    ContainerContext c = of(id);
    return new ContainerContext(c.id(), c.launch(), c.sandbox(), runtimeDir);
  }
}
