package io.corral.isolators;

import io.corral.proto.v1.CommandInfo;
import io.corral.proto.v1.Environment;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.Namespace;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The launch-plan policy of the containerizer (Mesos' {@code MesosContainerizerProcess::_launch}):
 * how the isolators' fragments merge into one plan, and how a {@link CommandInfo} becomes the
 * argv and the complete environment of the command. Pure functions apart from reading the user
 * database; any thread.
 *
 * <p>A complete plan is built as {@code complete(merge(fragments), command)} and then given
 * its version, status and stdio paths by the containerizer.
 */
public final class LaunchPlans {
  /** The host default {@code PATH}, set when neither an isolator nor the command sets one. */
  public static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  private LaunchPlans() {}

  /**
   * Merges the fragments of the isolators, in isolator order. Mounts and environment entries
   * are concatenated in order, clone namespaces de-duplicated (first occurrence kept), and
   * {@code no_new_privileges} is set if any isolator sets it. Two isolators that set the same
   * single-owner part (working_directory, hostname, rlimits, capabilities, user, argv, rootfs) are a
   * conflict; an isolator that sets what only the containerizer sets (version, status_path,
   * stdin_path, stdout_path) is refused.
   *
   * @throws IsolatorException {@code Multiple isolators specify working_directory: 'a' and 'b'}
   */
  public static LaunchPlan merge(List<Map.Entry<String, LaunchPlan>> fragments) {
    Map<String, Predicate<LaunchPlan>> owned = new LinkedHashMap<>();
    owned.put("working_directory", LaunchPlan::hasWorkingDirectory);
    owned.put("hostname", LaunchPlan::hasHostname);
    owned.put("rlimits", p -> p.getRlimitsCount() > 0);
    owned.put("capabilities", p -> p.hasEffectiveCapabilities() || p.hasBoundingCapabilities());
    owned.put("user", p -> p.hasUid() || p.hasGid() || p.getSupplementaryGroupsCount() > 0);
    owned.put("argv", p -> p.getArgvCount() > 0);
    owned.put("rootfs", LaunchPlan::hasRootfs);
    Map<String, Predicate<LaunchPlan>> reserved = Map.of(
        "version", LaunchPlan::hasVersion, "status_path", LaunchPlan::hasStatusPath,
        "stdin_path", LaunchPlan::hasStdinPath, "stdout_path", LaunchPlan::hasStdoutPath);

    Map<String, String> owners = new LinkedHashMap<>();
    LaunchPlan.Builder merged = LaunchPlan.newBuilder();
    boolean noNewPrivileges = false;
    for (Map.Entry<String, LaunchPlan> entry : fragments) {
      String isolator = entry.getKey();
      LaunchPlan fragment = entry.getValue();
      for (Map.Entry<String, Predicate<LaunchPlan>> r : reserved.entrySet()) {
        if (r.getValue().test(fragment)) {
          throw new IsolatorException(
              "Isolator '" + isolator + "' should not specify " + r.getKey());
        }
      }
      for (Map.Entry<String, Predicate<LaunchPlan>> o : owned.entrySet()) {
        if (o.getValue().test(fragment)) {
          String previous = owners.putIfAbsent(o.getKey(), isolator);
          if (previous != null) {
            throw new IsolatorException("Multiple isolators specify " + o.getKey() + ": '"
                + previous + "' and '" + isolator + "'");
          }
        }
      }
      noNewPrivileges |= fragment.getNoNewPrivileges();
      merged.mergeFrom(fragment);
    }
    List<Namespace> namespaces = List.copyOf(new LinkedHashSet<>(merged.getCloneNamespacesList()));
    merged.clearCloneNamespaces().addAllCloneNamespaces(namespaces);
    if (noNewPrivileges) {
      merged.setNoNewPrivileges(true);
    }
    return merged.build();
  }

  /** A plan's {@code NAME=value} entries as a map; a later entry for a name wins. */
  public static Map<String, String> environment(LaunchPlan plan) {
    Map<String, String> env = new LinkedHashMap<>();
    for (String entry : plan.getEnvironmentList()) {
      int eq = entry.indexOf('=');
      if (eq <= 0) {
        throw new IsolatorException("Failed to prepare: malformed environment entry '" + entry + "'");
      }
      env.put(entry.substring(0, eq), entry.substring(eq + 1));
    }
    return env;
  }

  /**
   * {@link #complete(LaunchPlan, CommandInfo, UserDatabase)} with the user database of the
   * container's root: the host's, or for a plan with a rootfs the image's own {@code /etc/passwd}
   * and {@code /etc/group} (the command's user is looked up where it runs, as in Mesos).
   */
  public static LaunchPlan complete(LaunchPlan merged, CommandInfo command) {
    UserDatabase users = merged.hasRootfs()
        ? new UserDatabase(Confined.file(Path.of(merged.getRootfs()), "etc/passwd"),
            Confined.file(Path.of(merged.getRootfs()), "etc/group"))
        : UserDatabase.system();
    return complete(merged, command, users);
  }

  /**
   * The merged isolator plan completed with the command: its environment replaced by the
   * command's complete environment (isolator entries first), and argv, uid, gid and groups from
   * {@link #command(CommandInfo, Map, UserDatabase)}. When an isolator already set the argv
   * ({@code docker/runtime}, from the image), that argv is kept and the command's {@code value}
   * is not required; its environment and user still apply.
   */
  public static LaunchPlan complete(LaunchPlan merged, CommandInfo command, UserDatabase users) {
    if (command.hasUser() && merged.hasUid()) {
      throw new IsolatorException("Failed to prepare: an isolator and the command both specify"
          + " the user");
    }
    boolean keepArgv = merged.getArgvCount() > 0;
    LaunchPlan.Builder plan = environmentAndUser(command, environment(merged), users);
    if (!keepArgv) {
      plan.addAllArgv(argv(command));
    }
    LaunchPlan.Builder completed = merged.toBuilder().clearEnvironment();
    if (!keepArgv) {
      completed.clearArgv();
    }
    return completed.mergeFrom(plan.build()).build();
  }

  /** {@link #command(CommandInfo, Map, UserDatabase)} with the host's user database. */
  public static LaunchPlan command(CommandInfo command, Map<String, String> isolatorEnv) {
    return command(command, isolatorEnv, UserDatabase.system());
  }

  /**
   * The argv, environment and user of a command, as Mesos runs it.
   *
   * <p>argv: with {@code shell} (the default) {@code ["/bin/sh", "-c", value]}, arguments
   * ignored. Without it, Mesos execs the file {@code value} with {@code arguments} as the whole
   * argv; corral-init execs {@code argv[0]}, so here {@code argv[0] = value} and
   * {@code argv[1..] = arguments[1..]} (only the name the program sees as its argv[0] differs
   * from Mesos when arguments[0] is not value). {@code value} is required either way.
   *
   * <p>environment, lowest to highest priority: the isolators' (which holds MESOS_SANDBOX), then
   * the command's VALUE variables; SECRET variables are refused (there is no
   * environment_secret isolator yet). PATH is {@link #DEFAULT_PATH} when still unset. The
   * agent's own environment is never inherited.
   *
   * <p>user: {@code CommandInfo.user} is resolved to uid, gid and groups in the user database.
   *
   * @throws IsolatorException for a missing value, a bad variable, or an unknown user
   */
  public static LaunchPlan command(CommandInfo command, Map<String, String> isolatorEnv,
      UserDatabase users) {
    List<String> argv = argv(command);
    return environmentAndUser(command, isolatorEnv, users).addAllArgv(argv).build();
  }

  private static List<String> argv(CommandInfo command) {
    if (!command.hasValue()) {
      throw new IsolatorException("Failed to prepare: command has no 'value'");
    }
    if (command.getShell()) {
      return List.of("/bin/sh", "-c", command.getValue());
    }
    List<String> argv = new ArrayList<>(List.of(command.getValue()));
    List<String> arguments = command.getArgumentsList();
    argv.addAll(arguments.isEmpty() ? List.of() : arguments.subList(1, arguments.size()));
    return argv;
  }

  private static LaunchPlan.Builder environmentAndUser(CommandInfo command,
      Map<String, String> isolatorEnv, UserDatabase users) {
    LaunchPlan.Builder plan = LaunchPlan.newBuilder();
    Map<String, String> env = new LinkedHashMap<>(isolatorEnv);
    for (Environment.Variable variable : command.getEnvironment().getVariablesList()) {
      env.put(variable.getName(), value(variable));
    }
    env.putIfAbsent("PATH", DEFAULT_PATH);
    List<String> entries = new ArrayList<>();
    env.forEach((name, value) -> entries.add(name + "=" + value));
    plan.addAllEnvironment(entries);

    if (command.hasUser()) {
      UserDatabase.User user = users.lookup(command.getUser()).orElseThrow(
          () -> new IsolatorException("Failed to find user '" + command.getUser() + "'"));
      plan.setUid(user.uid()).setGid(user.gid()).addAllSupplementaryGroups(user.groups());
    }
    return plan;
  }

  private static String value(Environment.Variable variable) {
    String name = variable.getName();
    if (name.isEmpty() || name.contains("=") || name.contains("\0")) {
      throw new IsolatorException("Failed to prepare: invalid environment variable name '" + name + "'");
    }
    switch (variable.getType()) {
      case VALUE:
        if (!variable.hasValue()) {
          throw new IsolatorException("Failed to prepare: environment variable '" + name
              + "' of type 'VALUE' must have a value set");
        }
        return variable.getValue();
      case SECRET:
        throw new IsolatorException("Failed to prepare: environment variable '" + name
            + "' is of type 'SECRET', which is not supported (no 'environment_secret' isolator)");
      default:
        throw new IsolatorException("Failed to prepare: environment variable '" + name
            + "' has an unknown type");
    }
  }
}
