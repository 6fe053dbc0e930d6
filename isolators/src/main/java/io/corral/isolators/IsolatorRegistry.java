package io.corral.isolators;

import io.corral.isolators.cgroups.CgroupsConfig;
import io.corral.isolators.cgroups.Hierarchies;
import io.corral.isolators.disk.DuConfig;
import io.corral.isolators.disk.DuDiskIsolator;
import io.corral.isolators.disk.XfsConfig;
import io.corral.isolators.disk.XfsDiskIsolator;
import io.corral.isolators.filesystem.LinuxFilesystemIsolator;
import io.corral.isolators.filesystem.MountConfig;
import io.corral.isolators.filesystem.VolumeKinds;
import io.corral.isolators.namespaces.IpcNamespaceIsolator;
import io.corral.isolators.network.cni.CniConfig;
import io.corral.posix.Linux;
import io.corral.posix.ProcessTable;
import io.corral.proto.v1.CapabilityInfo.Capability;
import io.corral.proto.v1.ContainerInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Creates the isolators named by a parsed {@code --isolation} value ({@link IsolationFlag#parse}),
 * in the order given, with the factories of {@link IsolatorCatalog}. Called once at agent start,
 * on the caller's thread; errors are {@link IllegalArgumentException}s that stop the agent: an
 * unknown name, an isolator that needs root in an agent that is not root (as Mesos: "The 'x'
 * isolator requires root permissions"), and for the cgroups isolators a hierarchy that cannot be
 * mounted or written, or a root another live agent has locked (see {@link Hierarchies}).
 */
public final class IsolatorRegistry {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(IsolatorRegistry.class);

  /**
   * Agent flags that shape isolators.
   *
   * @param disallowSharingAgentPidNamespace {@code --disallow_sharing_agent_pid_namespace}
   * @param defaultContainerInfo {@code --default_container_info}: what every isolator sees as
   *     the ContainerInfo of a launch that has none (see {@link DefaultContainerInfo})
   * @param defaultContainerShmSize {@code --default_container_shm_size} in bytes (else
   *     {@link IpcNamespaceIsolator#DEFAULT_SHM_SIZE})
   * @param disallowSharingAgentIpcNamespace {@code --disallow_sharing_agent_ipc_namespace}
   * @param effectiveCapabilities {@code --effective_capabilities} (alias
   *     {@code --allowed_capabilities}); empty when the flag is not given
   * @param boundingCapabilities {@code --bounding_capabilities}; empty when not given
   * @param cgroups the {@code --cgroups_*} flags
   * @param xfs the {@code disk/xfs} flags ({@code --xfs_*}) and the work directory
   * @param du the flags of {@code disk/du}
   * @param mounts the flags of {@code filesystem/linux} and the volume isolators
   * @param cni the flags of {@code network/cni}
   * @param processTable where {@code posix/cpu} and {@code posix/mem} read the process table
   *     ({@code --process_table}); empty: {@code /proc} through the {@link Linux} facade
   */
  public record Options(
      boolean disallowSharingAgentPidNamespace,
      Optional<ContainerInfo> defaultContainerInfo,
      long defaultContainerShmSize,
      boolean disallowSharingAgentIpcNamespace,
      Optional<Set<Capability>> effectiveCapabilities,
      Optional<Set<Capability>> boundingCapabilities,
      CgroupsConfig cgroups,
      XfsConfig xfs,
      DuConfig du,
      MountConfig mounts,
      CniConfig cni,
      Optional<ProcessTable> processTable) {

    /** Mesos' flag defaults. */
    public static Options defaults() {
      return new Builder().build();
    }

    /** A builder holding these options, to change some of them. */
    public Builder toBuilder() {
      return new Builder(this);
    }

    /** These options with other {@code --cgroups_*} flags. */
    public Options withCgroups(CgroupsConfig config) {
      return toBuilder().cgroups(config).build();
    }

    /** These options with other {@code disk/xfs} flags. */
    public Options withXfs(XfsConfig config) {
      return toBuilder().xfs(config).build();
    }

    /** These options with other {@code disk/du} flags. */
    public Options withDu(DuConfig config) {
      return toBuilder().du(config).build();
    }

    /** These options with other {@code --sandbox_directory} and volume flags. */
    public Options withMounts(MountConfig config) {
      return toBuilder().mounts(config).build();
    }

    /** These options with another process table for {@code posix/cpu} and {@code posix/mem}. */
    public Options withProcessTable(Optional<ProcessTable> table) {
      return toBuilder().processTable(table).build();
    }

    /** These options with other {@code network/cni} flags. */
    public Options withCni(CniConfig config) {
      return toBuilder().cni(config).build();
    }

    /** {@link Options} field by field, from Mesos' flag defaults. Not thread-safe. */
    public static final class Builder {
      private boolean disallowSharingAgentPidNamespace;
      private Optional<ContainerInfo> defaultContainerInfo = Optional.empty();
      private long defaultContainerShmSize = IpcNamespaceIsolator.DEFAULT_SHM_SIZE;
      private boolean disallowSharingAgentIpcNamespace;
      private Optional<Set<Capability>> effectiveCapabilities = Optional.empty();
      private Optional<Set<Capability>> boundingCapabilities = Optional.empty();
      private CgroupsConfig cgroups = CgroupsConfig.defaults();
      private XfsConfig xfs = XfsConfig.defaults();
      private DuConfig du = DuConfig.defaults();
      private MountConfig mounts = MountConfig.defaults();
      private CniConfig cni = CniConfig.disabled();
      private Optional<ProcessTable> processTable = Optional.empty();

      public Builder() {}

      private Builder(Options o) {
        disallowSharingAgentPidNamespace = o.disallowSharingAgentPidNamespace;
        defaultContainerInfo = o.defaultContainerInfo;
        defaultContainerShmSize = o.defaultContainerShmSize;
        disallowSharingAgentIpcNamespace = o.disallowSharingAgentIpcNamespace;
        effectiveCapabilities = o.effectiveCapabilities;
        boundingCapabilities = o.boundingCapabilities;
        cgroups = o.cgroups;
        xfs = o.xfs;
        du = o.du;
        mounts = o.mounts;
        cni = o.cni;
        processTable = o.processTable;
      }

      public Builder disallowSharingAgentPidNamespace(boolean disallow) {
        disallowSharingAgentPidNamespace = disallow;
        return this;
      }

      public Builder defaultContainerInfo(Optional<ContainerInfo> info) {
        defaultContainerInfo = info;
        return this;
      }

      public Builder defaultContainerShmSize(long bytes) {
        defaultContainerShmSize = bytes;
        return this;
      }

      public Builder disallowSharingAgentIpcNamespace(boolean disallow) {
        disallowSharingAgentIpcNamespace = disallow;
        return this;
      }

      public Builder effectiveCapabilities(Optional<Set<Capability>> capabilities) {
        effectiveCapabilities = capabilities;
        return this;
      }

      public Builder boundingCapabilities(Optional<Set<Capability>> capabilities) {
        boundingCapabilities = capabilities;
        return this;
      }

      public Builder cgroups(CgroupsConfig config) {
        cgroups = config;
        return this;
      }

      public Builder xfs(XfsConfig config) {
        xfs = config;
        return this;
      }

      public Builder du(DuConfig config) {
        du = config;
        return this;
      }

      public Builder mounts(MountConfig config) {
        mounts = config;
        return this;
      }

      public Builder cni(CniConfig config) {
        cni = config;
        return this;
      }

      public Builder processTable(Optional<ProcessTable> table) {
        processTable = table;
        return this;
      }

      public Options build() {
        return new Options(disallowSharingAgentPidNamespace, defaultContainerInfo, defaultContainerShmSize,
            disallowSharingAgentIpcNamespace, effectiveCapabilities, boundingCapabilities, cgroups, xfs, du,
            mounts, cni, processTable);
      }
    }
  }

  private IsolatorRegistry() {}

  /** What is allowed but probably not meant in these names; logged at WARN by {@link #create}. */
  public static List<String> warnings(List<String> names) {
    if (names.contains("disk/du") && names.contains("disk/xfs")) {
      return List.of("Both disk/du and disk/xfs are enabled: each sandbox is measured twice (du"
          + " walks it, XFS counts it) and both enforce the disk quota; enable one of them");
    }
    return List.of();
  }

  /** The isolators for these names with Mesos' default flags. */
  public static List<Isolator> create(List<String> names, Linux linux) {
    return create(names, linux, Options.defaults());
  }

  public static List<Isolator> create(List<String> names, Linux linux, Options options) {
    return create(names, linux, options, new Hierarchies(linux, options.cgroups()));
  }

  /**
   * The isolators for these names; the cgroups isolators share {@code hierarchies} (prepared
   * lazily, so nothing is mounted or locked for names without {@code cgroups/*}), which the
   * caller may share with a {@link io.corral.isolators.cgroups.FreezerLauncher}.
   */
  public static List<Isolator> create(List<String> names, Linux linux, Options options,
      Hierarchies hierarchies) {
    warnings(names).forEach(LOG::warn);
    boolean root = linux.processes().geteuid() == 0;
    List<Isolator> isolators = new ArrayList<>();
    for (String name : names) {
      IsolatorCatalog.Entry entry = IsolatorCatalog.find(name).orElseThrow(
          () -> new IllegalArgumentException("Unknown or unsupported isolator '" + name + "'"));
      if (entry.needsRoot() && !root) {
        throw new IllegalArgumentException(
            "The '" + name + "' isolator requires root permissions");
      }
      Isolator isolator = entry.factory().create(linux, options, hierarchies);
      // filesystem/linux refuses the volumes that no enabled volume/* isolator mounts.
      isolators.add(isolator instanceof LinuxFilesystemIsolator fs ? fs.withVolumeIsolators(names)
          : isolator);
    }
    requireFilesystemLinux(names);
    if (options.defaultContainerInfo().isPresent()) {
      // disk/du and disk/xfs read no ContainerInfo; left unwrapped, the containerizer finds them
      // by their class (its DiskWatchActor drives both).
      isolators.replaceAll(i -> i instanceof DuDiskIsolator || i instanceof XfsDiskIsolator ? i
          : new DefaultContainerInfo(i, options.defaultContainerInfo().get()));
    }
    return isolators;
  }

  /**
   * The volume isolators mount into a rootfs and rely on {@code filesystem/linux} to refuse the
   * volumes they do not mount (as Mesos requires it for {@code volume/host_path}; Corral has no
   * symlink fallback for {@code volume/sandbox_path}).
   */
  private static void requireFilesystemLinux(List<String> names) {
    for (String name : names) {
      if (VolumeKinds.mounts(name) && !names.contains("filesystem/linux")) {
        throw new IllegalArgumentException("Failed to create isolator '" + name + "': the"
            + " 'filesystem/linux' isolator must be used with it");
      }
    }
  }
}
