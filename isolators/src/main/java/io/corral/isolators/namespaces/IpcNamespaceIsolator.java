package io.corral.isolators.namespaces;

import io.corral.isolators.ContainerContext;
import io.corral.isolators.Isolator;
import io.corral.isolators.IsolatorException;
import io.corral.proto.v1.LinuxInfo;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.Mount;
import io.corral.proto.v1.Namespace;

/**
 * {@code namespaces/ipc} (Mesos' {@code NamespacesIPCIsolatorProcess}): a container of IPC mode
 * {@code PRIVATE} gets a new IPC namespace (its SysV semaphores, message queues and shared
 * memory are invisible outside and die with it) and, in a new mount namespace, a tmpfs of its
 * own on {@code /dev/shm} (mode 1777, {@code nosuid,nodev,strictatime} as Mesos) of
 * {@code linux_info.shm_size} MB, else {@code --default_container_shm_size}, else
 * {@link #DEFAULT_SHM_SIZE} bytes. The tmpfs lives only in the container's mount namespace, so
 * unlike Mesos there is nothing to mount on the host and nothing to unmount at cleanup.
 *
 * <p>Differences from Mesos, on purpose: an unset {@code ipc_mode} is PRIVATE with its own
 * {@code /dev/shm} (Mesos keeps the agent's {@code /dev/shm} there, for backward compatibility),
 * and the default size is 64 MB, as Docker's, rather than the tmpfs default of half the RAM.
 *
 * <p>{@code SHARE_PARENT} shares the agent's IPC namespace and {@code /dev/shm} (an empty plan),
 * and is refused with Mesos' message under {@code --disallow_sharing_agent_ipc_namespace}.
 * {@code shm_size} with {@code SHARE_PARENT}, an explicit {@code UNKNOWN} mode and a zero size
 * are refused. In a container with a rootfs the tmpfs goes on the rootfs's {@code /dev/shm},
 * over the one {@code filesystem/linux} mounts there (which it prepares earlier). Stateless;
 * any thread.
 */
public final class IpcNamespaceIsolator implements Isolator {
  /** The size of a private {@code /dev/shm} when neither the launch nor the agent sets one. */
  public static final long DEFAULT_SHM_SIZE = 64L << 20;

  private static final long MS_NOSUID = 2;
  private static final long MS_NODEV = 4;
  private static final long MS_STRICTATIME = 1L << 24;

  private final long defaultShmSize;
  private final boolean disallowSharingAgentIpcNamespace;

  /**
   * @param defaultShmSize bytes; {@code --default_container_shm_size}, or {@link #DEFAULT_SHM_SIZE}
   * @param disallowSharingAgentIpcNamespace {@code --disallow_sharing_agent_ipc_namespace}
   */
  public IpcNamespaceIsolator(long defaultShmSize, boolean disallowSharingAgentIpcNamespace) {
    if (defaultShmSize <= 0) {
      throw new IllegalArgumentException("Failed to create isolator 'namespaces/ipc': the default"
          + " /dev/shm size must be positive, not " + defaultShmSize);
    }
    this.defaultShmSize = defaultShmSize;
    this.disallowSharingAgentIpcNamespace = disallowSharingAgentIpcNamespace;
  }

  @Override
  public String name() {
    return "namespaces/ipc";
  }

  @Override
  public LaunchPlan prepare(ContainerContext container) {
    LinuxInfo linux = container.launch().getContainer().getLinuxInfo();
    LinuxInfo.IpcMode mode = linux.hasIpcMode() ? linux.getIpcMode() : LinuxInfo.IpcMode.PRIVATE;
    switch (mode) {
      case SHARE_PARENT:
        if (linux.hasShmSize()) {
          throw new IsolatorException("Failed to prepare: Only support specifying the size of"
              + " /dev/shm when the IPC mode is `PRIVATE`");
        }
        if (disallowSharingAgentIpcNamespace) {
          throw new IsolatorException("Failed to prepare: Sharing agent IPC namespace with"
              + " top-level container is not allowed");
        }
        return LaunchPlan.getDefaultInstance();
      case PRIVATE:
        break;
      default:
        throw new IsolatorException("Failed to prepare: Unknown IPC mode '" + mode + "'");
    }
    if (linux.hasShmSize() && linux.getShmSize() == 0) {
      throw new IsolatorException("Failed to prepare: the size of /dev/shm must be positive");
    }
    long size = linux.hasShmSize() ? (linux.getShmSize() & 0xffffffffL) << 20 : defaultShmSize;
    return LaunchPlan.newBuilder()
        .addCloneNamespaces(Namespace.IPC)
        .addCloneNamespaces(Namespace.MOUNT)
        .addMounts(Mount.newBuilder()
            .setSource("shm").setType("tmpfs")
            .setTarget(container.rootfs().map(r -> r.getRootfs() + "/dev/shm").orElse("/dev/shm"))
            .setFlags(MS_NOSUID | MS_NODEV | MS_STRICTATIME)
            .setData("mode=1777,size=" + size))
        .build();
  }
}
