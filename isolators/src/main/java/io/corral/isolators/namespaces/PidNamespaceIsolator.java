package io.corral.isolators.namespaces;

import io.corral.isolators.ContainerContext;
import io.corral.isolators.Isolator;
import io.corral.isolators.IsolatorException;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.Mount;
import io.corral.proto.v1.Namespace;

/**
 * {@code namespaces/pid}: the container gets its own pid namespace, with corral-init as its pid 1,
 * and a mount namespace in which a fresh {@code proc} is mounted on {@code /proc} (flags
 * {@code MS_NOSUID|MS_NODEV|MS_NOEXEC}, as Mesos since 1.1), so host processes are invisible.
 *
 * <p>{@code linux_info.share_pid_namespace=true} opts out: the plan is empty and the container
 * shares the agent's pid namespace (and its /proc), unless the agent runs with
 * {@code --disallow_sharing_agent_pid_namespace}, in which case prepare fails with Mesos'
 * message. Unlike Mesos, it does not require {@code filesystem/linux}: corral-init mounts /proc
 * itself in the new mount namespace. A container with a rootfs gets no {@code /proc} from here:
 * {@code filesystem/linux} mounts one in the rootfs (the host's {@code /proc} is gone after the
 * pivot). Stateless: recover and cleanup have nothing to do (the
 * namespaces die with the container's last process); any thread.
 */
public final class PidNamespaceIsolator implements Isolator {
  // mount(2) flag bits, as LaunchPlan.Mount.flags carries them.
  private static final long MS_NOSUID = 2;
  private static final long MS_NODEV = 4;
  private static final long MS_NOEXEC = 8;

  private final boolean disallowSharingAgentPidNamespace;

  /** @param disallowSharingAgentPidNamespace {@code --disallow_sharing_agent_pid_namespace} */
  public PidNamespaceIsolator(boolean disallowSharingAgentPidNamespace) {
    this.disallowSharingAgentPidNamespace = disallowSharingAgentPidNamespace;
  }

  @Override
  public String name() {
    return "namespaces/pid";
  }

  @Override
  public LaunchPlan prepare(ContainerContext container) {
    boolean share = container.launch().getContainer().getLinuxInfo().getSharePidNamespace();
    if (share) {
      if (disallowSharingAgentPidNamespace) {
        throw new IsolatorException("Failed to prepare: Sharing agent pid namespace with"
            + " top-level container is not allowed");
      }
      return LaunchPlan.getDefaultInstance();
    }
    LaunchPlan.Builder plan = LaunchPlan.newBuilder()
        .addCloneNamespaces(Namespace.PID)
        .addCloneNamespaces(Namespace.MOUNT);
    if (container.rootfs().isPresent()) {
      return plan.build(); // filesystem/linux mounts the rootfs's own proc
    }
    return plan
        .addMounts(Mount.newBuilder()
            .setSource("proc").setTarget("/proc").setType("proc")
            .setFlags(MS_NOSUID | MS_NODEV | MS_NOEXEC))
        .build();
  }
}
