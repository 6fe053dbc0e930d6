package io.corral.isolators;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which isolators each launcher ({@code --launcher}) can run. The {@code linux} launcher runs
 * every one. The {@code posix} launcher starts the command with the JDK alone, so it runs only
 * those that need nothing applied between fork and exec: {@code filesystem/posix} (the sandbox
 * as working directory), {@code posix/cpu} and {@code posix/mem} (usage from the process tree)
 * and {@code disk/du} (usage of the sandbox by {@code du}). Every other isolator is refused at
 * start by name, as Mesos refuses {@code namespaces/pid} or {@code filesystem/linux} without
 * its Linux launcher: namespaces, cgroups (their init joins its cgroups in the helper),
 * {@code filesystem/shared} (mounts), {@code linux/*} (capabilities, no_new_privs),
 * {@code posix/rlimits} ({@code setrlimit} in the child) and {@code disk/xfs} (XFS project
 * quotas, Linux only). Pure functions; any thread.
 */
public final class LauncherIsolation {
  /** The isolators the posix launcher can run. */
  public static final Set<String> POSIX = Set.of("filesystem/posix", "posix/cpu", "posix/mem", "disk/du");

  /** The isolation used with the posix launcher when {@code --isolation} is not given: Mesos' default. */
  public static final String POSIX_DEFAULT = IsolationFlag.MESOS_DEFAULT;

  /** The isolators that read the process table (from {@code /proc}, or {@code ps} without it). */
  public static final Set<String> READ_PROCESS_TABLE = Set.of("posix/cpu", "posix/mem");

  /** The posix launcher's default isolation on a host with neither {@code /proc} nor {@code ps}. */
  public static final String NO_PROC_DEFAULT = "disk/du";

  private LauncherIsolation() {}

  /** The names among {@code isolators} that the posix launcher cannot run, in their order. */
  public static List<String> needingLinux(List<String> isolators) {
    return isolators.stream().filter(name -> !POSIX.contains(name)).toList();
  }

  /**
   * Refuses isolators the posix launcher cannot run. (Those that read the process table are
   * checked where the table is chosen: without {@code /proc} they run {@code ps}.)
   *
   * @throws IllegalArgumentException naming every such isolator
   */
  public static void checkPosix(List<String> isolators) {
    List<String> refused = needingLinux(isolators);
    if (!refused.isEmpty()) {
      throw new IllegalArgumentException("Failed to create isolator"
          + (refused.size() > 1 ? "s " : " ")
          + refused.stream().map(n -> "'" + n + "'").collect(Collectors.joining(", "))
          + ": the 'linux' launcher must be used to enable " + (refused.size() > 1 ? "them" : "it")
          + " (the launcher is 'posix'; it can run " + String.join(", ", IsolatorCatalog.names().stream()
              .filter(POSIX::contains).toList()) + ")");
    }
  }
}
