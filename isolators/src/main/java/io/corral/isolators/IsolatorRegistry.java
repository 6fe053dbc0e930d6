package io.corral.isolators;

import io.corral.isolators.cgroups.CgroupsConfig;
import io.corral.isolators.cgroups.CgroupsCpuIsolator;
import io.corral.isolators.cgroups.CgroupsMemIsolator;
import io.corral.isolators.cgroups.CgroupsNetClsIsolator;
import io.corral.isolators.cgroups.CgroupsPidsIsolator;
import io.corral.isolators.cgroups.Hierarchies;
import io.corral.isolators.filesystem.PosixFilesystemIsolator;
import io.corral.isolators.namespaces.PidNamespaceIsolator;
import io.corral.isolators.posix.PosixCpuIsolator;
import io.corral.isolators.posix.PosixMemIsolator;
import io.corral.posix.Linux;
import java.util.ArrayList;
import java.util.List;

/**
 * Creates the isolators named by a parsed {@code --isolation} value ({@link IsolationFlag#parse}),
 * in the order given. Names in {@link IsolationFlag#ORDER} but not yet in
 * {@link IsolationFlag#IMPLEMENTED} (filesystem/shared, namespaces/ipc,
 * linux/capabilities, posix/rlimits, disk/du, disk/xfs) are refused with
 * {@code Isolator 'x' is not supported yet} until their issue lands. Called once at agent start,
 * on the caller's thread; errors are {@link IllegalArgumentException}s that stop the agent (for
 * the cgroups isolators: a hierarchy that cannot be mounted or written, or a root another live
 * agent has locked; see {@link Hierarchies}).
 */
public final class IsolatorRegistry {

  /**
   * Agent flags that shape isolators.
   *
   * @param disallowSharingAgentPidNamespace {@code --disallow_sharing_agent_pid_namespace}
   * @param cgroups the {@code --cgroups_*} flags
   */
  public record Options(boolean disallowSharingAgentPidNamespace, CgroupsConfig cgroups) {
    public Options(boolean disallowSharingAgentPidNamespace) {
      this(disallowSharingAgentPidNamespace, CgroupsConfig.defaults());
    }

    /** Mesos' flag defaults. */
    public static Options defaults() {
      return new Options(false);
    }
  }

  private IsolatorRegistry() {}

  /** The isolators for these names with Mesos' default flags. */
  public static List<Isolator> create(List<String> names, Linux linux) {
    return create(names, linux, Options.defaults());
  }

  public static List<Isolator> create(List<String> names, Linux linux, Options options) {
    List<Isolator> isolators = new ArrayList<>();
    // One set of prepared (mounted, created, locked) hierarchies for all cgroups/* isolators.
    Hierarchies hierarchies = names.stream().anyMatch(n -> n.startsWith("cgroups/"))
        ? new Hierarchies(linux, options.cgroups()) : null;
    for (String name : names) {
      isolators.add(switch (name) {
        case "filesystem/posix" -> new PosixFilesystemIsolator();
        case "posix/cpu" -> new PosixCpuIsolator(linux.proc());
        case "posix/mem" -> new PosixMemIsolator(linux.proc());
        case "cgroups/cpu" -> new CgroupsCpuIsolator(hierarchies);
        case "cgroups/mem" -> new CgroupsMemIsolator(hierarchies);
        case "cgroups/pids" -> new CgroupsPidsIsolator(hierarchies);
        case "cgroups/net_cls" -> new CgroupsNetClsIsolator(hierarchies);
        case "namespaces/pid" -> new PidNamespaceIsolator(options.disallowSharingAgentPidNamespace());
        default -> throw new IllegalArgumentException(IsolationFlag.ORDER.contains(name)
            ? "Isolator '" + name + "' is not supported yet"
            : "Unknown or unsupported isolator '" + name + "'");
      });
    }
    return isolators;
  }
}
