package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.it.support.AgentProcess;
import io.corral.it.support.SharedAgent;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * With {@code namespaces/pid}, a container sees its own pid namespace and a private
 * {@code /proc}: {@code corral-init} is pid 1, the command (the shell) is pid 2, and no host
 * process is visible. The command writes what it sees to the sandbox's {@code stdout} file.
 */
@Tag("root")
class PidNamespaceIT {
  @RegisterExtension
  static final SharedAgent AGENT = SharedAgent.with(AgentProcess.FULL_ISOLATION);

  @Test
  void initIsPidOneAndTheShellIsPidTwo() throws IOException {
    String command = String.join("; ",
        "cat /proc/1/comm > $MESOS_SANDBOX/out",
        "echo $$ >> $MESOS_SANDBOX/out",
        "cat $MESOS_SANDBOX/out",
        "ls /proc | grep -c '^[0-9]'",
        "echo $(ls /proc | grep '^[0-9]')");
    assertEquals(200, AGENT.client().launch("pidns", command), AGENT.agent().logTail());
    assertEquals(0, AGENT.client().waitFor("pidns").getExitStatus(), AGENT.agent().logTail());

    // The sandbox is <work_dir>/containers/<id>, and the command's stdout is its 'stdout' file.
    List<String> lines = Files.readAllLines(AGENT.agent().sandbox("pidns").resolve("stdout"));
    assertEquals(4, lines.size(), "stdout: " + lines);
    assertEquals("corral-init", lines.get(0), "comm of pid 1");
    assertEquals("2", lines.get(1), "the shell's pid ($$)");
    int visible = Integer.parseInt(lines.get(2).trim());
    // corral-init, sh, ls, grep (and perhaps the command substitution's subshell).
    assertTrue(visible >= 2 && visible <= 6, "pids visible in /proc: " + visible);
    List<Integer> pids = Arrays.stream(lines.get(3).trim().split("\\s+")).map(Integer::valueOf).toList();
    assertTrue(pids.contains(1) && pids.contains(2), "pids 1 and 2 in /proc: " + pids);
    assertTrue(pids.stream().allMatch(p -> p <= 10), "only the container's own small pids: " + pids);
    assertTrue(Files.readString(AGENT.agent().sandbox("pidns").resolve("out")).startsWith("corral-init\n2\n"));

    assertEquals(200, AGENT.client().remove("pidns"));
    assertTrue(Files.notExists(AGENT.agent().sandbox("pidns")), "REMOVE deletes the sandbox");
  }

  @Test
  void hostProcessesAreInvisible() throws IOException {
    // The agent's own pid, as the host sees it, must not be found inside the container.
    long agentPid = AGENT.agent().pid();
    String command = "if [ -e /proc/" + agentPid + "/comm ]; then echo visible; else echo hidden; fi";
    assertEquals(200, AGENT.client().launch("hidden", command));
    assertEquals(0, AGENT.client().waitFor("hidden").getExitStatus());
    assertEquals(List.of("hidden"), Files.readAllLines(AGENT.agent().sandbox("hidden").resolve("stdout")));
    assertEquals(200, AGENT.client().remove("hidden"));
  }
}
