package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.it.support.AgentClient;
import io.corral.it.support.AgentProcess;
import io.corral.it.support.Host;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * With {@code namespaces/pid}, a container sees its own pid namespace and a private
 * {@code /proc}: {@code corral-init} is pid 1, the command (the shell) is pid 2, and no host
 * process is visible. The command writes what it sees to the sandbox's {@code stdout} file.
 */
@Tag("root")
class PidNamespaceIT {
  private static AgentProcess agent;
  private static AgentClient client;

  @BeforeAll
  static void startAgent() {
    assumeTrue(Host.isRoot(), "needs root: real namespaces");
    agent = AgentProcess.start(AgentProcess.FULL_ISOLATION);
    client = agent.client();
  }

  @AfterAll
  static void stopAgent() {
    if (agent != null) {
      agent.close();
    }
  }

  @Test
  void initIsPidOneAndTheShellIsPidTwo() throws IOException {
    String command = String.join("; ",
        "cat /proc/1/comm > $MESOS_SANDBOX/out",
        "echo $$ >> $MESOS_SANDBOX/out",
        "cat $MESOS_SANDBOX/out",
        "ls /proc | grep -c '^[0-9]'",
        "echo $(ls /proc | grep '^[0-9]')");
    assertEquals(200, client.launch("pidns", command), agent.logTail());
    assertEquals(0, client.waitFor("pidns").getExitStatus(), agent.logTail());

    // The sandbox is <work_dir>/containers/<id>, and the command's stdout is its 'stdout' file.
    List<String> lines = Files.readAllLines(agent.sandbox("pidns").resolve("stdout"));
    assertEquals(4, lines.size(), "stdout: " + lines);
    assertEquals("corral-init", lines.get(0), "comm of pid 1");
    assertEquals("2", lines.get(1), "the shell's pid ($$)");
    int visible = Integer.parseInt(lines.get(2).trim());
    // corral-init, sh, ls, grep (and perhaps the command substitution's subshell).
    assertTrue(visible >= 2 && visible <= 6, "pids visible in /proc: " + visible);
    List<Integer> pids = Arrays.stream(lines.get(3).trim().split("\\s+")).map(Integer::valueOf).toList();
    assertTrue(pids.contains(1) && pids.contains(2), "pids 1 and 2 in /proc: " + pids);
    assertTrue(pids.stream().allMatch(p -> p <= 10), "only the container's own small pids: " + pids);
    assertTrue(Files.readString(agent.sandbox("pidns").resolve("out")).startsWith("corral-init\n2\n"));

    assertEquals(200, client.remove("pidns"));
    assertTrue(Files.notExists(agent.sandbox("pidns")), "REMOVE deletes the sandbox");
  }

  @Test
  void hostProcessesAreInvisible() throws IOException {
    // The agent's own pid, as the host sees it, must not be found inside the container.
    long agentPid = agent.pid();
    String command = "if [ -e /proc/" + agentPid + "/comm ]; then echo visible; else echo hidden; fi";
    assertEquals(200, client.launch("hidden", command));
    assertEquals(0, client.waitFor("hidden").getExitStatus());
    assertEquals(List.of("hidden"), Files.readAllLines(agent.sandbox("hidden").resolve("stdout")));
    assertEquals(200, client.remove("hidden"));
  }
}
