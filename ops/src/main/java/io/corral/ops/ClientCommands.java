package io.corral.ops;

import io.corral.proto.v1.agent.Response;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code corral ps}, {@code kill}, {@code rm} and {@code wait}: thin clients of a running
 * agent's v1 API ({@link AgentClientOptions}), one call each. A refused or failed call prints
 * {@code Failed to <verb>: <status> <body>} on stderr and exits 1.
 */
final class ClientCommands {
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(70);

  private ClientCommands() {}

  /** {@code corral ps}: one line per container of the agent: its id and its init's pid. */
  @Command(name = "ps", mixinStandardHelpOptions = true,
      description = "Lists the agent's containers (GET_CONTAINERS): ID and PID.")
  static final class Ps implements Callable<Integer> {
    @Mixin AgentClientOptions client;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      String body = client.call(
          "{\"type\":\"GET_CONTAINERS\",\"get_containers\":{\"show_standalone\":true}}",
          "list containers", CALL_TIMEOUT);
      Response response = AgentClientOptions.response(body, "list containers");
      var out = spec.commandLine().getOut();
      out.println("CONTAINER ID\tPID");
      for (Response.GetContainers.Container c : response.getGetContainers().getContainersList()) {
        String pid = c.getContainerStatus().hasExecutorPid()
            ? Integer.toString(c.getContainerStatus().getExecutorPid()) : "-";
        out.println(c.getContainerId().getValue() + "\t" + pid);
      }
      out.flush();
      return 0;
    }
  }

  /** {@code corral kill ID}: KILL_CONTAINER with {@code --signal} (default SIGKILL). */
  @Command(name = "kill", mixinStandardHelpOptions = true,
      description = "Sends a signal to a container's processes (KILL_CONTAINER).")
  static final class Kill implements Callable<Integer> {
    @Mixin AgentClientOptions client;
    @Parameters(paramLabel = "ID", description = "The container.") String id;
    @Option(names = "--signal", paramLabel = "N", defaultValue = "9",
        description = "The signal number. Default: ${DEFAULT-VALUE} (SIGKILL).")
    int signal;

    @Override
    public Integer call() {
      client.call("{\"type\":\"KILL_CONTAINER\",\"kill_container\":{\"container_id\":{\"value\":"
          + AgentClientOptions.quote(id) + "},\"signal\":" + signal + "}}",
          "kill container '" + id + "'", CALL_TIMEOUT);
      return 0;
    }
  }

  /** {@code corral rm ID}: REMOVE_CONTAINER. */
  @Command(name = "rm", mixinStandardHelpOptions = true,
      description = "Removes a terminated container's sandbox and runtime state (REMOVE_CONTAINER).")
  static final class Rm implements Callable<Integer> {
    @Mixin AgentClientOptions client;
    @Parameters(paramLabel = "ID", description = "The container.") String id;

    @Override
    public Integer call() {
      client.call("{\"type\":\"REMOVE_CONTAINER\",\"remove_container\":{\"container_id\":"
          + "{\"value\":" + AgentClientOptions.quote(id) + "}}}",
          "remove container '" + id + "'", CALL_TIMEOUT);
      return 0;
    }
  }

  /**
   * {@code corral wait ID}: WAIT_CONTAINER; prints the wait status and exits with the
   * container's exit code (128 + the signal if a signal ended it).
   */
  @Command(name = "wait", mixinStandardHelpOptions = true,
      description = "Waits for a container to terminate (WAIT_CONTAINER); exits with its exit code.")
  static final class Wait implements Callable<Integer> {
    @Mixin AgentClientOptions client;
    @Parameters(paramLabel = "ID", description = "The container.") String id;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      String verb = "wait for container '" + id + "'";
      String body = client.call("{\"type\":\"WAIT_CONTAINER\",\"wait_container\":{"
          + "\"container_id\":{\"value\":" + AgentClientOptions.quote(id) + "}}}", verb, null);
      Response.WaitContainer waited = AgentClientOptions.response(body, verb).getWaitContainer();
      int status = waited.getExitStatus();
      spec.commandLine().getOut().println(status);
      spec.commandLine().getOut().flush();
      if ((status & 0x7f) == 0) {
        return (status >> 8) & 0xff;
      }
      return 128 + (status & 0x7f);
    }
  }
}
