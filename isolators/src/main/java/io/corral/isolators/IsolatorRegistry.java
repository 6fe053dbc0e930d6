package io.corral.isolators;

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
 * {@link IsolationFlag#IMPLEMENTED} (cgroups/*, filesystem/shared, namespaces/ipc,
 * linux/capabilities, posix/rlimits, disk/du, disk/xfs) are refused with
 * {@code Isolator 'x' is not supported yet} until their issue lands. Called once at agent start,
 * on the caller's thread; errors are {@link IllegalArgumentException}s that stop the agent.
 */
public final class IsolatorRegistry {

  /**
   * Agent flags that shape isolators.
   *
   * @param disallowSharingAgentPidNamespace {@code --disallow_sharing_agent_pid_namespace}
   */
  public record Options(boolean disallowSharingAgentPidNamespace) {
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
    for (String name : names) {
      isolators.add(switch (name) {
        case "filesystem/posix" -> new PosixFilesystemIsolator();
        case "posix/cpu" -> new PosixCpuIsolator(linux.proc());
        case "posix/mem" -> new PosixMemIsolator(linux.proc());
        case "namespaces/pid" -> new PidNamespaceIsolator(options.disallowSharingAgentPidNamespace());
        default -> throw new IllegalArgumentException(IsolationFlag.ORDER.contains(name)
            ? "Isolator '" + name + "' is not supported yet"
            : "Unknown or unsupported isolator '" + name + "'");
      });
    }
    return isolators;
  }
}
