package io.corral.isolators.docker;

import io.corral.isolators.IsolatorException;
import io.corral.proto.v1.CommandInfo;
import io.corral.proto.v1.ImageConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * How {@code docker/runtime} combines a {@link CommandInfo} with an image's Entrypoint, Cmd and
 * Env (Mesos' {@code DockerRuntimeIsolatorProcess}, its command table of 8 CommandInfo rows by
 * 4 image columns). Pure functions; any thread.
 *
 * <table>
 *   <caption>argv by CommandInfo (shell, value, arguments) and image (Entrypoint, Cmd)</caption>
 *   <tr><th>CommandInfo</th><th>neither</th><th>Cmd</th><th>Entrypoint</th><th>both</th></tr>
 *   <tr><td>sh=0 value=0 argv=0</td><td>Error</td><td>Cmd[0] Cmd[1..]</td>
 *       <td>Entrypoint[0] Entrypoint[1..]</td><td>Entrypoint[0] Entrypoint[1..] Cmd..</td></tr>
 *   <tr><td>sh=0 value=0 argv=1</td><td>Error</td><td>Cmd[0] argv</td>
 *       <td>Entrypoint[0] Entrypoint[1..] argv</td><td>Entrypoint[0] Entrypoint[1..] argv</td></tr>
 *   <tr><td>sh=0 value=1 argv=0</td><td colspan="4">value</td></tr>
 *   <tr><td>sh=0 value=1 argv=1</td><td colspan="4">value argv</td></tr>
 *   <tr><td>sh=1 value=0</td><td colspan="4">Error</td></tr>
 *   <tr><td>sh=1 value=1</td><td colspan="4">/bin/sh -c value</td></tr>
 * </table>
 *
 * <p>Where the image supplies the executable, the user's {@code arguments} follow it whole (they
 * replace Cmd). Where {@code value} is the executable, the rows follow the containerizer's rule
 * for any command ({@code LaunchPlans.command}): argv[0] is {@code value} and argv[1..] are
 * {@code arguments[1..]}.
 */
public final class DockerRuntime {
  /** The prefix Mesos gives every failure of the table. */
  static final String FAILED = "Failed to determine the launch command: ";

  private DockerRuntime() {}

  /**
   * The argv of the command, by the table.
   *
   * @throws IsolatorException for an Error cell, with Mesos' message
   */
  public static List<String> argv(CommandInfo command, ImageConfig image) {
    validate(command);
    List<String> argv = new ArrayList<>();
    if (command.getShell()) {
      return List.of("/bin/sh", "-c", command.getValue());
    }
    if (command.hasValue()) {
      argv.add(command.getValue());
      List<String> arguments = command.getArgumentsList();
      argv.addAll(arguments.isEmpty() ? List.of() : arguments.subList(1, arguments.size()));
      return argv;
    }
    List<String> user = command.getArgumentsList();
    if (image.getEntrypointCount() > 0) {
      argv.addAll(image.getEntrypointList());
      argv.addAll(user.isEmpty() ? image.getCmdList() : user);
    } else if (image.getCmdCount() > 0) {
      argv.add(image.getCmd(0));
      argv.addAll(user.isEmpty() ? image.getCmdList().subList(1, image.getCmdCount()) : user);
    } else {
      throw new IsolatorException(FAILED + "No executable is found");
    }
    return argv;
  }

  /**
   * The Error cells that depend on the CommandInfo alone (a shell without a value): what the
   * containerizer can refuse at LAUNCH, before the image is pulled. The cells that depend on the
   * image (no value and neither Entrypoint nor Cmd) are known only after the pull and fail the
   * launch at prepare, as in Mesos.
   *
   * @throws IsolatorException {@code Failed to determine the launch command: Shell specified but
   *     no command value provided}
   */
  public static void validate(CommandInfo command) {
    if (command.getShell() && !command.hasValue()) {
      throw new IsolatorException(FAILED + "Shell specified but no command value provided");
    }
  }

  /** Every Error cell of the table for this command and image. */
  public static void validate(CommandInfo command, ImageConfig image) {
    argv(command, image);
  }

  /**
   * The image's Env as environment entries, in order: each {@code NAME=value} entry (split at
   * the first {@code =}); an entry without {@code =}, or with an empty name, is skipped as in
   * Mesos. The containerizer puts the CommandInfo's variables over them.
   */
  public static List<String> environment(ImageConfig image) {
    return image.getEnvList().stream().filter(e -> e.indexOf('=') > 0).toList();
  }
}
