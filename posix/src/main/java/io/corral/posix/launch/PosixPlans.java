package io.corral.posix.launch;

import io.corral.posix.Errno;
import io.corral.proto.v1.LaunchPlan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@link PosixLauncher} can do with a {@link LaunchPlan}: the environment, working
 * directory, argv and standard streams. Everything else needs code between fork and exec (the
 * launch helper {@code corral-init}), so a plan that asks for it is refused, never half applied.
 * Pure functions; any thread.
 */
final class PosixPlans {
  private PosixPlans() {}

  /**
   * Refuses a plan that asks for more than the posix launcher can give: namespaces, mounts, a
   * rootfs (an image container), a hostname, rlimits, capabilities, no_new_privileges, cgroups to join, or a user other than
   * the agent's own ({@code uid}, {@code gid}).
   *
   * @throws LaunchException naming every field it cannot apply
   */
  static void refuseUnsupported(LaunchPlan plan, long uid, long gid) {
    List<String> unsupported = new ArrayList<>();
    if (plan.getCloneNamespacesCount() > 0) {
      unsupported.add("namespaces " + plan.getCloneNamespacesList());
    }
    if (plan.getMountsCount() > 0) {
      unsupported.add("mounts");
    }
    if (plan.hasRootfs()) {
      unsupported.add("a rootfs '" + plan.getRootfs() + "'");
    }
    if (plan.hasHostname()) {
      unsupported.add("a hostname");
    }
    if (plan.getRlimitsCount() > 0) {
      unsupported.add("rlimits");
    }
    if (plan.hasEffectiveCapabilities() || plan.hasBoundingCapabilities()) {
      unsupported.add("capabilities");
    }
    if (plan.getNoNewPrivileges()) {
      unsupported.add("no_new_privileges");
    }
    if (plan.getJoinCgroupsCount() > 0) {
      unsupported.add("cgroups");
    }
    if ((plan.hasUid() && plan.getUid() != uid) || (plan.hasGid() && plan.getGid() != gid)) {
      unsupported.add("user " + plan.getUid() + ":" + plan.getGid() + " (the agent runs as "
          + uid + ":" + gid + ")");
    }
    if (!unsupported.isEmpty()) {
      throw new LaunchException("plan", null, "the 'posix' launcher cannot apply "
          + String.join(", ", unsupported) + "; they need --launcher=linux");
    }
  }

  /**
   * Checks that the plan's {@code argv[0]} names an executable file, as execvp would find it:
   * a name with a slash relative to the working directory, any other in the plan's {@code PATH}.
   * The shell that runs the command would report a missing one only as exit status 127, after
   * the launch; this makes it a launch failure, as with {@code corral-init}.
   *
   * @throws LaunchException {@code exec '<name>': ENOENT (...)} or {@code EACCES (...)}
   */
  static void checkExecutable(LaunchPlan plan) {
    if (plan.getArgvCount() == 0 || plan.getArgv(0).isEmpty()) {
      throw new LaunchException("plan", null, "the plan has no command");
    }
    String name = plan.getArgv(0);
    Path cwd = Path.of(plan.hasWorkingDirectory() ? plan.getWorkingDirectory() : ".");
    if (name.contains("/")) {
      Path file = cwd.resolve(name);
      if (!Files.exists(file)) {
        throw execFailure(name, Errno.ENOENT);
      }
      if (Files.isDirectory(file) || !Files.isExecutable(file)) {
        throw execFailure(name, Errno.EACCES);
      }
      return;
    }
    boolean denied = false;
    for (String dir : pathOf(plan).split(":", -1)) {
      Path file = cwd.resolve(dir.isEmpty() ? "." : dir).resolve(name);
      if (Files.isRegularFile(file)) {
        if (Files.isExecutable(file)) {
          return;
        }
        denied = true;
      }
    }
    throw execFailure(name, denied ? Errno.EACCES : Errno.ENOENT);
  }

  private static String pathOf(LaunchPlan plan) {
    for (String entry : plan.getEnvironmentList()) {
      if (entry.startsWith("PATH=")) {
        return entry.substring("PATH=".length());
      }
    }
    return "/usr/bin:/bin"; // execvp's default when PATH is unset
  }

  private static LaunchException execFailure(String name, Errno errno) {
    return new LaunchException("exec", errno,
        "exec '" + name + "': " + errno.name() + " (" + errno.description() + ")");
  }
}
