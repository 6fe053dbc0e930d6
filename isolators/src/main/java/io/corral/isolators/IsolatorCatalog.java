package io.corral.isolators;

import io.corral.isolators.cgroups.CgroupsCpuIsolator;
import io.corral.isolators.cgroups.CgroupsMemIsolator;
import io.corral.isolators.cgroups.CgroupsNetClsIsolator;
import io.corral.isolators.cgroups.CgroupsPidsIsolator;
import io.corral.isolators.cgroups.Hierarchies;
import io.corral.isolators.disk.DuDiskIsolator;
import io.corral.isolators.disk.XfsDiskIsolator;
import io.corral.isolators.docker.DockerRuntimeIsolator;
import io.corral.isolators.docker.volume.DockerVolumeIsolator;
import io.corral.isolators.filesystem.LinuxFilesystemIsolator;
import io.corral.isolators.filesystem.PosixFilesystemIsolator;
import io.corral.isolators.filesystem.SharedFilesystemIsolator;
import io.corral.isolators.linux.CapabilitiesIsolator;
import io.corral.isolators.linux.NoNewPrivilegesIsolator;
import io.corral.isolators.namespaces.IpcNamespaceIsolator;
import io.corral.isolators.namespaces.PidNamespaceIsolator;
import io.corral.isolators.network.cni.CniIsolator;
import io.corral.isolators.posix.PosixCpuIsolator;
import io.corral.isolators.posix.PosixMemIsolator;
import io.corral.isolators.posix.RlimitsIsolator;
import io.corral.isolators.volume.HostPathVolumeIsolator;
import io.corral.isolators.volume.SandboxPathVolumeIsolator;
import io.corral.posix.Linux;
import io.corral.posix.ProcessTable;
import io.corral.posix.du.ProcessDu;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The one list of the isolators Corral knows: each {@code --isolation} name with what it needs
 * and how it is made, in Mesos' fixed creation order (the order isolators are prepared in and,
 * reversed, cleaned up in; MESOS-7643), and the deprecated aliases Mesos still accepts.
 * {@link IsolationFlag} parses against it, {@link IsolatorRegistry} creates from it, and the
 * agent's {@code --help} lists it. A new isolator is one entry here.
 *
 * <p>Immutable; any thread.
 */
public final class IsolatorCatalog {

  /** Makes one isolator from the host's kernel facade, the agent's flags and the hierarchies. */
  @FunctionalInterface
  public interface Factory {
    Isolator create(Linux linux, IsolatorRegistry.Options options, Hierarchies hierarchies);
  }

  /**
   * One isolator.
   *
   * @param name the {@code --isolation} name (Mesos' string)
   * @param needsRoot whether the isolator can only work for a root agent (Mesos refuses these at
   *     start with "requires root permissions", and so does {@link IsolatorRegistry#create})
   * @param summary one line for {@code --help}
   * @param factory how it is made
   */
  public record Entry(String name, boolean needsRoot, String summary, Factory factory) {}

  /** Every isolator, in Mesos' fixed order (its Linux table). */
  public static final List<Entry> ENTRIES = List.of(
      new Entry("filesystem/posix", false, "sandbox on the host's filesystem, no volumes",
          (linux, options, hierarchies) -> new PosixFilesystemIsolator()),
      new Entry("filesystem/shared", true, "host_path volumes bind-mounted in a mount namespace",
          (linux, options, hierarchies) -> new SharedFilesystemIsolator()),
      new Entry("filesystem/linux", true, "mount namespace; an image's rootfs as / (pivot_root)",
          (linux, options, hierarchies) -> new LinuxFilesystemIsolator(options.mounts().sandboxDirectory(), List.of())),
      new Entry("posix/cpu", false, "cpu usage of the process tree (no limit)",
          (linux, options, hierarchies) -> new PosixCpuIsolator(processTable(linux, options))),
      new Entry("posix/mem", false, "memory usage of the process tree (no limit)",
          (linux, options, hierarchies) -> new PosixMemIsolator(processTable(linux, options))),
      new Entry("posix/rlimits", false, "ContainerInfo.rlimit_info as setrlimit(2) limits",
          (linux, options, hierarchies) -> new RlimitsIsolator()),
      new Entry("cgroups/cpu", true, "cpu shares/weight (and CFS quota) in a cgroup",
          (linux, options, hierarchies) -> new CgroupsCpuIsolator(hierarchies)),
      new Entry("cgroups/mem", true, "memory limit and OOM detection in a cgroup",
          (linux, options, hierarchies) -> new CgroupsMemIsolator(hierarchies)),
      new Entry("cgroups/pids", true, "a pids.max limit in a cgroup",
          (linux, options, hierarchies) -> new CgroupsPidsIsolator(hierarchies)),
      new Entry("cgroups/net_cls", true, "a net_cls classid per container (cgroup v1)",
          (linux, options, hierarchies) -> new CgroupsNetClsIsolator(hierarchies)),
      new Entry("docker/runtime", false, "an image's Entrypoint, Cmd, Env, WorkingDir and User",
          (linux, options, hierarchies) -> new DockerRuntimeIsolator()),
      new Entry("volume/host_path", true, "HOST_PATH volumes bound into the container",
          (linux, options, hierarchies) -> new HostPathVolumeIsolator(options.mounts().sandboxDirectory(),
              options.mounts().hostPathVolumeForceCreation())),
      new Entry("volume/sandbox_path", true, "SANDBOX_PATH (SELF) volumes bound into the container",
          (linux, options, hierarchies) -> new SandboxPathVolumeIsolator(options.mounts().sandboxDirectory())),
      new Entry("docker/volume", true, "DOCKER_VOLUME volumes mounted by their Docker volume plugin",
          (linux, options, hierarchies) -> new DockerVolumeIsolator(options.mounts().sandboxDirectory(),
              options.mounts().dockerVolume())),
      new Entry("linux/capabilities", true, "effective and bounding capability sets",
          (linux, options, hierarchies) -> new CapabilitiesIsolator(
              options.effectiveCapabilities(), options.boundingCapabilities())),
      new Entry("linux/nnp", false, "no_new_privs for the command",
          (linux, options, hierarchies) -> new NoNewPrivilegesIsolator()),
      new Entry("namespaces/ipc", true, "a private IPC namespace and /dev/shm",
          (linux, options, hierarchies) -> new IpcNamespaceIsolator(
              options.defaultContainerShmSize(), options.disallowSharingAgentIpcNamespace())),
      new Entry("namespaces/pid", true, "a private pid namespace; corral-init is its pid 1",
          (linux, options, hierarchies) -> new PidNamespaceIsolator(
              options.disallowSharingAgentPidNamespace())),
      new Entry("disk/du", false, "sandbox usage by du, disk limit enforced",
          (linux, options, hierarchies) -> new DuDiskIsolator(options.du(),
              new ProcessDu(options.du().command(), linux.processes()))),
      new Entry("disk/xfs", true, "sandbox usage and limit by XFS project quota",
          (linux, options, hierarchies) -> new XfsDiskIsolator(linux.quotas(), options.xfs())),
      new Entry("network/cni", true, "a network namespace joined to CNI networks (network_infos)",
          (linux, options, hierarchies) -> new CniIsolator(options.cni())));

  /** Mesos' deprecated names, each rewritten (with a warning) to the isolators it stands for. */
  public static final Map<String, List<String>> ALIASES = Map.of(
      "process", List.of("posix/cpu", "posix/mem"),
      "cgroups", List.of("cgroups/cpu", "cgroups/mem"),
      "posix/disk", List.of("disk/du"));

  private IsolatorCatalog() {}

  /** The process table posix/cpu and posix/mem read: the one chosen at start, else /proc. */
  private static ProcessTable processTable(Linux linux, IsolatorRegistry.Options options) {
    return options.processTable().orElseGet(() -> ProcessTable.of(linux.proc()));
  }

  /** The entry for a name, if Corral knows it. */
  public static Optional<Entry> find(String name) {
    return ENTRIES.stream().filter(e -> e.name().equals(name)).findFirst();
  }

  /** Every name, in the fixed order. */
  public static List<String> names() {
    return ENTRIES.stream().map(Entry::name).toList();
  }

  /** One line per isolator for {@code --help}: name, what it does, whether it needs root. */
  public static List<String> helpLines() {
    return ENTRIES.stream()
        .map(e -> String.format("%-19s %s%s", e.name(), e.summary(),
            e.needsRoot() ? " (root)" : ""))
        .toList();
  }
}
