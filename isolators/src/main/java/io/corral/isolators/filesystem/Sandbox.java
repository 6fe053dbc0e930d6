package io.corral.isolators.filesystem;

import io.corral.isolators.ContainerContext;
import io.corral.proto.v1.LaunchPlan;

/**
 * What every {@code filesystem/*} isolator puts in the plan for the sandbox (Mesos' filesystem
 * isolators all do this): the command runs in its sandbox ({@code <work_dir>/containers/<id>},
 * created by the containerizer before prepare) with {@code MESOS_SANDBOX} set to that path.
 * Pure; any thread.
 */
final class Sandbox {
  private Sandbox() {}

  /** A fragment with the working directory and {@code MESOS_SANDBOX} of this container. */
  static LaunchPlan.Builder plan(ContainerContext container) {
    String sandbox = container.sandbox().toString();
    return LaunchPlan.newBuilder()
        .setWorkingDirectory(sandbox)
        .addEnvironment("MESOS_SANDBOX=" + sandbox);
  }
}
