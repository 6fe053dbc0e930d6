package io.corral.actors;

import io.corral.isolators.ContainerContext;
import io.corral.isolators.Isolator;
import io.corral.proto.v1.ContainerConfig;
import io.corral.proto.v1.ContainerPids;
import io.corral.proto.v1.LaunchPlan;
import java.nio.file.Files;
import java.util.List;

/**
 * The records a container checkpoints under its runtime directory ({@link Paths} draws the
 * layout). Building them is pure; {@link #createDirectories} blocks and runs on the blocking
 * dispatcher.
 */
final class Checkpoints {
  private Checkpoints() {}

  /** The config checkpoint (written before the plan exists, and again with it). */
  static ContainerConfig config(ContainerContext container, List<Isolator> isolators, LaunchPlan plan) {
    ContainerConfig.Builder config = ContainerConfig.newBuilder()
        .setLaunch(container.launch())
        .setSandbox(container.sandbox().toString());
    isolators.forEach(i -> config.addIsolators(i.name()));
    if (plan != null) {
      config.setPlan(plan);
    }
    return config.build();
  }

  static ContainerPids pids(int init, int helper) {
    return ContainerPids.newBuilder().setInitPid(init).setHelperPid(helper).build();
  }

  static void createDirectories(ContainerContext container) throws java.io.IOException {
    Files.createDirectories(container.sandbox());
    Files.createDirectories(container.runtimeDir());
  }
}
