package io.corral.isolators;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
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
 * <p>The table holds the isolators Corral implements now ({@link #IMPLEMENTED}) and those of
 * later issues, which parse but which {@link IsolatorRegistry#create} still refuses with
 * {@code Isolator 'x' is not supported yet}. Unlike Mesos, {@code network/cni} and
 * {@code environment_secret} are not added implicitly (Corral has neither yet).
 *
 * <p>Pure functions; any thread. Errors are {@link IllegalArgumentException}s whose message is
 * meant to stop the agent.
 */
public final class IsolationFlag {
  private static final Logger LOG = LoggerFactory.getLogger(IsolationFlag.class);

  /** Every name Corral knows, in Mesos' fixed creation/prepare order (Linux table). */
  public static final List<String> ORDER = List.of(
      "filesystem/posix", "filesystem/shared",
      "posix/cpu", "posix/mem", "posix/rlimits",
      "cgroups/cpu", "cgroups/mem", "cgroups/pids", "cgroups/net_cls",
      "linux/capabilities", "linux/nnp",
      "namespaces/ipc", "namespaces/pid",
      "disk/du", "disk/xfs");

  /** The names {@link IsolatorRegistry} can create today. */
  public static final Set<String> IMPLEMENTED = Set.of(
      "filesystem/posix", "filesystem/shared", "posix/cpu", "posix/mem", "posix/rlimits",
      "cgroups/cpu", "cgroups/mem", "cgroups/pids", "cgroups/net_cls",
      "linux/capabilities", "linux/nnp", "namespaces/ipc", "namespaces/pid",
      "disk/xfs");

  /** Mesos' default flag value (a non-root agent gets this). */
  public static final String MESOS_DEFAULT = "posix/cpu,posix/mem";

  private static final Map<String, List<String>> ALIASES = Map.of(
      "process", List.of("posix/cpu", "posix/mem"),
      "cgroups", List.of("cgroups/cpu", "cgroups/mem"),
      "posix/disk", List.of("disk/du"));

  private IsolationFlag() {}

  /** The isolators a root agent uses when {@code --isolation} is not given. */
  public static final String ROOT_DEFAULT = "filesystem/posix,posix/cpu,posix/mem,posix/rlimits,"
      + "linux/capabilities,namespaces/ipc,namespaces/pid";

  /**
   * The flag value to use when {@code --isolation} is not given: as root, {@link #ROOT_DEFAULT},
   * the real Linux isolators that work on any host and need no per-agent resource (so that a
   * request for rlimits or capabilities is honoured, never silently ignored; the cgroups
   * isolators are left out because each agent must own its {@code --cgroups_root}); otherwise
   * Mesos' default {@code posix/cpu,posix/mem}.
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
      List<String> expansion = ALIASES.get(token);
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
      if (!ORDER.contains(name)) {
        throw new IllegalArgumentException("Unknown or unsupported isolator '" + name + "'");
      }
    }
    return ORDER.stream().filter(names::contains).toList();
  }
}
