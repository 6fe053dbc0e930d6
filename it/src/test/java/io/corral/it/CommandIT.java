package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.it.support.AgentClient;
import io.corral.it.support.AgentProcess;
import io.corral.it.support.SharedAgent;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a command sees, as Mesos defines it: {@code shell=false} runs {@code value} with
 * {@code arguments} as its whole argv; the working directory is the sandbox and
 * {@code MESOS_SANDBOX} names it; the environment is exactly {@code CommandInfo.environment} plus
 * the agent's own variables for the container, never the agent's environment.
 */
@Tag("root")
class CommandIT {
  @RegisterExtension
  static final SharedAgent AGENT = SharedAgent.with(AgentProcess.FULL_ISOLATION);

  @Test
  void shellFalseRunsValueWithArgumentsAsArgv() throws IOException {
    String id = "argv";
    assertEquals(200, AGENT.client().postJson(AgentClient.launchJsonRaw(
        "\"container_id\":{\"value\":\"" + id + "\"},\"command\":{\"shell\":false,"
            + "\"value\":\"/bin/sh\",\"arguments\":[\"sh\",\"-c\",\"echo \\\"$0|$1\\\"; exit 5\","
            + "\"first arg\",\"$HOME\"]}")).statusCode(), AGENT.agent().logTail());
    assertEquals(5 << 8, AGENT.client().waitFor(id).getExitStatus());
    // sh -c SCRIPT ARG0 ARG1: no shell re-parses the arguments, so the space and the '$' arrive
    // as they were sent.
    assertEquals(List.of("first arg|$HOME"), stdout(id));
    assertEquals(200, AGENT.client().remove(id));
  }

  @Test
  void workingDirectoryIsTheSandbox() throws IOException {
    String id = "cwd";
    assertEquals(200, AGENT.client().launch(id, "pwd; echo \"$MESOS_SANDBOX\""));
    assertEquals(0, AGENT.client().waitFor(id).getExitStatus());
    String sandbox = AGENT.agent().sandbox(id).toString();
    assertEquals(List.of(sandbox, sandbox), stdout(id));
    assertEquals(200, AGENT.client().remove(id));
  }

  @Test
  void environmentIsTheRequestsNotTheAgents() throws IOException {
    String id = "env";
    assertEquals(200, AGENT.client().postJson(AgentClient.launchJsonRaw(
        "\"container_id\":{\"value\":\"" + id + "\"},\"command\":{\"value\":\"env\","
            + "\"environment\":{\"variables\":[{\"name\":\"GREETING\",\"type\":\"VALUE\",\"value\":\"hello world\"}]}}"))
        .statusCode(), AGENT.agent().logTail());
    assertEquals(0, AGENT.client().waitFor(id).getExitStatus());
    List<String> env = stdout(id);
    assertTrue(env.contains("GREETING=hello world"), "the requested variable: " + env);
    assertTrue(env.contains("MESOS_SANDBOX=" + AGENT.agent().sandbox(id)), "MESOS_SANDBOX: " + env);
    assertFalse(env.stream().anyMatch(v -> v.startsWith(AgentProcess.AGENT_ENV_MARKER + "=")),
        "the agent's environment leaked into the container: " + env);
    assertTrue(env.stream().anyMatch(v -> v.startsWith("PATH=")), "PATH defaults to the host's: " + env);
    assertEquals(200, AGENT.client().remove(id));
  }

  @Test
  void stderrGoesToTheSandboxStderrFile() throws IOException {
    String id = "stderr";
    assertEquals(200, AGENT.client().launch(id, "echo out; echo err >&2"));
    assertEquals(0, AGENT.client().waitFor(id).getExitStatus());
    assertEquals(List.of("out"), stdout(id));
    assertTrue(Files.readAllLines(AGENT.agent().sandbox(id).resolve("stderr")).contains("err"),
        "stderr file: " + Files.readAllLines(AGENT.agent().sandbox(id).resolve("stderr")));
    assertEquals(200, AGENT.client().remove(id));
  }

  private static List<String> stdout(String id) throws IOException {
    return Files.readAllLines(AGENT.agent().sandbox(id).resolve("stdout"));
  }
}
