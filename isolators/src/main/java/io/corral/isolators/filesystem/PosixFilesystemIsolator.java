package io.corral.isolators.filesystem;

import io.corral.isolators.ContainerContext;
import io.corral.isolators.Isolator;
import io.corral.isolators.IsolatorException;
import io.corral.proto.v1.LaunchPlan;

/**
 * {@code filesystem/posix}, Mesos' default filesystem isolator: the container shares the host
 * filesystem and runs in its sandbox ({@code <work_dir>/containers/<id>}, created by the
 * containerizer before prepare), with {@code MESOS_SANDBOX} set to that path.
 *
 * <p>Like Mesos, it refuses volumes in ContainerInfo (this isolator cannot mount them).
 * Stateless: recover and cleanup have nothing to do; any thread.
 */
public final class PosixFilesystemIsolator implements Isolator {

  @Override
  public String name() {
    return "filesystem/posix";
  }

  @Override
  public LaunchPlan prepare(ContainerContext container) {
    if (container.launch().getContainer().getVolumesCount() > 0) {
      throw new IsolatorException("Failed to prepare: volumes in ContainerInfo are not supported"
          + " by 'filesystem/posix'; use 'filesystem/shared'");
    }
    return Sandbox.plan(container).build();
  }
}
