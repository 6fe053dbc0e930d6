package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.it.support.AgentProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code corral agent} refuses a bad {@code --isolation} at start, as Mesos does: it exits with
 * status 1 and a message naming the offending isolator, before it serves anything. Needs no root:
 * the flag is checked before any container exists.
 */
class AgentFlagsIT {
  @TempDir Path dir;

  @ParameterizedTest(name = "--isolation={0}")
  @CsvSource({
      "'posix/cpu,posix/cpu', posix/cpu",
      "'posix/cpu,no/such', no/such"})
  void badIsolationStopsTheAgentWithAClearMessage(String isolation, String named)
      throws IOException, InterruptedException {
    Process agent = new ProcessBuilder(AgentProcess.corralCommand(
        "agent", "--ip=127.0.0.1", "--port=0",
        "--work_dir=" + dir.resolve("work"), "--runtime_dir=" + dir.resolve("runtime"),
        "--isolation=" + isolation))
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("out").toFile())
        .start();
    assertTrue(agent.waitFor(60, TimeUnit.SECONDS), "the agent exits");
    String output = Files.readString(dir.resolve("out"), StandardCharsets.UTF_8);
    assertEquals(1, agent.exitValue(), output);
    assertTrue(output.contains(named), "the message names '" + named + "': " + output);
  }
}
