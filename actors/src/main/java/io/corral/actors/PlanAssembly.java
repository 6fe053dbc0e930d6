package io.corral.actors;

import io.corral.proto.v1.CommandInfo;
import io.corral.proto.v1.Environment;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.Namespace;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds a container's complete {@link LaunchPlan} from the isolators' fragments and the
 * client's {@link CommandInfo}: the minimal merge Corral needs now.
 *
 * <p>TODO(#2): replace with LaunchPlans ({@code io.corral.isolators.LaunchPlans.merge} and
 * {@code command}) once the isolators land; {@link #assemble} is the one call site to swap.
 *
 * <p>Threading: pure functions, called on the container actor's thread.
 */
final class PlanAssembly {
  /** The host default {@code PATH}, as Mesos sets it when nothing else does. */
  static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  private PlanAssembly() {}

  /**
   * The final plan: fragments merged in isolator order (namespaces de-duplicated, mounts,
   * rlimits and environment concatenated), argv from the command, the environment with
   * {@code MESOS_SANDBOX} lowest, then the isolators', then the command's, {@code PATH}
   * defaulted, the sandbox as working directory unless an isolator names one, version 1.
   *
   * @throws IllegalArgumentException when two isolators set the same single-valued field
   */
  static LaunchPlan assemble(
      List<Map.Entry<String, LaunchPlan>> fragments, CommandInfo command, Path sandbox, Path statusPath) {
    LaunchPlan.Builder plan = LaunchPlan.newBuilder();
    Set<Namespace> namespaces = new LinkedHashSet<>();
    Map<String, String> environment = new LinkedHashMap<>();
    environment.put("MESOS_SANDBOX", sandbox.toString());
    String workingDirectoryFrom = null;
    for (Map.Entry<String, LaunchPlan> entry : fragments) {
      LaunchPlan fragment = entry.getValue();
      namespaces.addAll(fragment.getCloneNamespacesList());
      plan.addAllMounts(fragment.getMountsList()).addAllRlimits(fragment.getRlimitsList());
      fragment.getEnvironmentList().forEach(e -> put(environment, e));
      if (fragment.hasWorkingDirectory()) {
        if (workingDirectoryFrom != null) {
          throw new IllegalArgumentException("Multiple isolators specify working directory: '"
              + workingDirectoryFrom + "' and '" + entry.getKey() + "'");
        }
        workingDirectoryFrom = entry.getKey();
        plan.setWorkingDirectory(fragment.getWorkingDirectory());
      }
      if (fragment.hasHostname()) {
        plan.setHostname(fragment.getHostname());
      }
    }
    for (Environment.Variable variable : command.getEnvironment().getVariablesList()) {
      if (variable.getType() != Environment.Variable.Type.SECRET) {
        environment.put(variable.getName(), variable.getValue());
      }
    }
    environment.putIfAbsent("PATH", DEFAULT_PATH);
    if (!plan.hasWorkingDirectory()) {
      plan.setWorkingDirectory(sandbox.toString());
    }
    environment.forEach((name, value) -> plan.addEnvironment(name + "=" + value));
    return plan.setVersion(1)
        .addAllCloneNamespaces(namespaces)
        .addAllArgv(argv(command))
        .setStatusPath(statusPath.toString())
        .build();
  }

  /**
   * {@code /bin/sh -c <value>} for a shell command; otherwise {@code value} is the executable
   * and {@code arguments} its argv as Mesos has it ({@code arguments[0]} is the program's own
   * name, replaced by {@code value} because corral-init executes {@code argv[0]}).
   */
  static List<String> argv(CommandInfo command) {
    if (command.getShell()) {
      return List.of("/bin/sh", "-c", command.getValue());
    }
    List<String> args = command.getArgumentsList();
    if (args.isEmpty()) {
      return List.of(command.getValue());
    }
    java.util.ArrayList<String> argv = new java.util.ArrayList<>(args);
    argv.set(0, command.getValue());
    return argv;
  }

  private static void put(Map<String, String> environment, String entry) {
    int eq = entry.indexOf('=');
    if (eq <= 0) {
      throw new IllegalArgumentException("Invalid environment entry '" + entry + "'");
    }
    environment.put(entry.substring(0, eq), entry.substring(eq + 1));
  }
}
