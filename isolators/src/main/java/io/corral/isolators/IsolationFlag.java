package io.corral.isolators;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parses {@code --isolation} as Mesos' {@code MesosContainerizer::create} does: a comma list of
 * trimmed names (empty entries dropped); a name given twice is an error; the deprecated aliases
 * {@code process}, {@code cgroups} and {@code posix/disk} are rewritten with a warning; exactly one
 * {@code filesystem/*} isolator ({@code filesystem/posix} is added when none is named); unknown
 * names are refused. The result is in Mesos' FIXED table order, not in flag order (MESOS-7643):
 * isolators are prepared in it and cleaned up in reverse.
 *
 * <p>The names and aliases are those of {@link IsolatorCatalog}. Unlike Mesos,
 * {@code network/cni} is not added implicitly: it is named in {@code --isolation} with its
 * {@code --network_cni_*} flags (an agent without it refuses {@code network_infos} and
 * {@code hostname} at LAUNCH as fields it cannot honour, which is what Mesos' implicit isolator
 * without configured networks amounts to), and {@code environment_secret} is not added (Corral
 * has none).
 *
 * <p>Pure functions; any thread. Errors are {@link IllegalArgumentException}s whose message is
 * meant to stop the agent.
 */
public final class IsolationFlag {
  private static final Logger LOG = LoggerFactory.getLogger(IsolationFlag.class);

  /** Mesos' default flag value (a non-root agent gets this). */
  public static final String MESOS_DEFAULT = "posix/cpu,posix/mem";

  private IsolationFlag() {}

  /** The isolators a root agent uses when {@code --isolation} is not given. */
  public static final String ROOT_DEFAULT = "filesystem/posix,posix/rlimits,"
      + "cgroups/cpu,cgroups/mem,cgroups/pids,linux/capabilities,namespaces/ipc,namespaces/pid";

  /**
   * The flag value to use when {@code --isolation} is not given: as root, {@link #ROOT_DEFAULT},
   * the real Linux isolators (so that a request for cpus, mem, rlimits or capabilities is
   * enforced, never silently ignored): the cgroups ones replace {@code posix/cpu} and
   * {@code posix/mem}, and lock the agent's {@code --cgroups_root} (as the launcher's freezer
   * does anyway), which {@code corral run} makes its own by default; {@code cgroups/net_cls}
   * is left out (it only creates a cgroup without a primary handle). Otherwise Mesos' default
   * {@code posix/cpu,posix/mem}.
   */
  public static String hostDefault(boolean root) {
    return root ? ROOT_DEFAULT : MESOS_DEFAULT;
  }

  /** The isolator names of a flag value, in fixed table order. */
  public static List<String> parse(String flag) {
    List<String> tokens = new ArrayList<>();
    for (String token : flag.split(",")) {
      if (!token.isBlank()) {
        tokens.add(token.trim());
      }
    }
    if (new LinkedHashSet<>(tokens).size() != tokens.size()) {
      throw new IllegalArgumentException(
          "Duplicate entries found in --isolation flag '" + flag + "'");
    }
    // An alias may overlap a name given explicitly ('process,posix/cpu'); as in Mesos (a set),
    // that is not a duplicate.
    Set<String> names = new LinkedHashSet<>();
    for (String token : tokens) {
      List<String> expansion = IsolatorCatalog.ALIASES.get(token);
      if (expansion == null) {
        names.add(token);
      } else {
        LOG.warn("The '{}' isolation flag is deprecated, please update your flags to"
            + " '--isolation={}'", token, String.join(",", expansion));
        names.addAll(expansion);
      }
    }
    long filesystems = names.stream().filter(n -> n.startsWith("filesystem/")).count();
    if (filesystems > 1) {
      throw new IllegalArgumentException(
          "Using multiple filesystem isolators simultaneously is disallowed");
    }
    if (filesystems == 0) {
      names.add("filesystem/posix");
    }
    for (String name : names) {
      if (IsolatorCatalog.find(name).isEmpty()) {
        throw new IllegalArgumentException("Unknown or unsupported isolator '" + name + "'");
      }
    }
    return IsolatorCatalog.names().stream().filter(names::contains).toList();
  }
}
