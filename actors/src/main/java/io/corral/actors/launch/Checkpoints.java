package io.corral.actors.launch;

import io.corral.actors.Layout;
import io.corral.isolators.ContainerContext;
import io.corral.isolators.Isolator;
import io.corral.proto.v1.ContainerConfig;
import io.corral.proto.v1.ContainerPids;
import io.corral.proto.v1.LaunchPlan;
import java.nio.file.Files;
import java.util.List;

/**
 * The records a container checkpoints under its runtime directory ({@link Layout} draws the
 * layout). Building them is pure; {@link #createDirectories} blocks and runs on the blocking
 * dispatcher.
 */
public final class Checkpoints {
  private Checkpoints() {}

  /** The config checkpoint (written before the plan exists, and again with it). */
  public static ContainerConfig config(ContainerContext container, List<Isolator> isolators, LaunchPlan plan) {
    ContainerConfig.Builder config = ContainerConfig.newBuilder()
        .setLaunch(container.launch())
        .setSandbox(container.sandbox().toString());
    isolators.forEach(i -> config.addIsolators(i.name()));
    if (plan != null) {
      config.setPlan(plan);
    }
    container.rootfs().ifPresent(config::setRootfs);
    return config.build();
  }

  public static ContainerPids pids(int init, int helper, long initStartTicks) {
    return ContainerPids.newBuilder().setInitPid(init).setHelperPid(helper)
        .setInitStartTicks(initStartTicks).build();
  }

  /**
   * The start time of process {@code pid} ({@code /proc/<pid>/stat}), by which a restarted
   * agent tells its init from a process that reused the pid; 0 when unknown (no kernel facade,
   * or the process is already gone: a recovering agent then finds it gone too).
   */
  static long startTicks(io.corral.posix.Linux linux, int pid) {
    if (linux == null) {
      return 0;
    }
    try {
      return linux.proc().stat(pid).map(io.corral.posix.ProcStat::startTicks).orElse(0L);
    } catch (io.corral.posix.LinuxException e) {
      return 0;
    }
  }

  public static void createDirectories(ContainerContext container) throws java.io.IOException {
    Files.createDirectories(container.sandbox());
    Files.createDirectories(container.runtimeDir());
  }
}
