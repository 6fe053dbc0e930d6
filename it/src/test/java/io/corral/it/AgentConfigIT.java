package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.it.support.AgentClient;
import io.corral.it.support.AgentProcess;
import io.corral.it.support.Commands;
import io.corral.it.support.Eventually;
import io.corral.it.support.Host;
import io.corral.it.support.Scratch;
import io.corral.proto.v1.agent.Response;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A real agent configured as Mesos agents are run: flags from {@code MESOS_*} and
 * {@code CORRAL_*} variables and {@code file://} values, with the command line first, then
 * {@code CORRAL_}, then {@code MESOS_}; its JSON log lines ({@code --log_format=json} from the
 * environment) carry the container id; {@code /flags}, {@code /version}, GET_METRICS and the
 * logging level calls answer in Mesos' shapes. A bad {@code file://} value stops the agent with
 * one clear line.
 */
@Tag("root")
class AgentConfigIT {
  private static Path dir;
  private static AgentProcess agent;
  private static AgentClient client;

  @BeforeAll
  static void start() throws IOException {
    assumeTrue(Host.isRoot(), "needs root: the agent launches containers in namespaces");
    dir = Files.createTempDirectory("corral-config-");
    Path isolation = Files.writeString(dir.resolve("isolation"), "posix/cpu,posix/mem\n");
    agent = AgentProcess.start(Map.of(
            "MESOS_CONTAINER_DISK_WATCH_INTERVAL", "20secs",
            "CORRAL_CONTAINER_DISK_WATCH_INTERVAL", "30secs",
            "MESOS_ISOLATOR_PHASE_TIMEOUT", "2mins",
            "MESOS_external_log_file", dir.resolve("agent.log").toString(),
            "CORRAL_LOG_FORMAT", "json"),
        "--isolator_phase_timeout=3mins", "--isolation=file://" + isolation);
    client = agent.client();
  }

  @AfterAll
  static void stop() throws IOException {
    if (agent != null) {
      agent.close();
    }
    Scratch.delete(dir);
  }

  @Test
  void flagsComeFromTheCommandLineThenCorralThenMesosVariables() {
    HttpResponse<String> flags = client.request("GET", "/flags");
    assertEquals(200, flags.statusCode());
    String body = flags.body();
    assertTrue(body.startsWith("{\"flags\":{"), body);
    assertTrue(body.contains("\"container_disk_watch_interval\":\"30secs\""), body);
    assertTrue(body.contains("\"isolator_phase_timeout\":\"3mins\""), body);
    assertTrue(body.contains("\"isolation\":\"posix/cpu,posix/mem\""), body);
    assertTrue(body.contains("\"log_format\":\"json\""), body);
    assertTrue(body.contains("\"external_log_file\":\"" + dir.resolve("agent.log") + "\""), body);
    String version = client.request("GET", "/version").body();
    assertTrue(version.matches("\\{\"build_date\":\"[^\"]+\",\"build_time\":[0-9.e+]+,"
        + "\"build_user\":\"[^\"]*\",\"git_tag\":\"[^\"]+\",\"version\":\"1\\.11\\.0\"}"), version);
  }

  @Test
  void logLinesAreJsonObjectsWithTheContainerId() throws IOException {
    assertEquals(200, client.launch("config-json", "exit 0"));
    client.waitFor("config-json");
    client.remove("config-json");
    Path log = agent.workDir().getParent().resolve("agent.log");
    Eventually.await(Duration.ofSeconds(20), () -> lines(log).stream()
        .anyMatch(l -> l.startsWith("{") && l.matches(".*\"mdc\": ?\\{\"containerId\":"
            + "\"config-json\".*\"formattedMessage\":\"Transitioning container.*")),
        "a JSON line with the container id in " + log);
    for (String line : lines(log)) {
      if (line.contains("\"level\"")) {
        assertTrue(line.startsWith("{") && line.endsWith("}"), line);
      }
    }
  }

  @Test
  void metricsAndLoggingLevelCalls() {
    Response metrics = AgentClient.parseJson(client.postJson(
        "{\"type\":\"GET_METRICS\",\"get_metrics\":{}}").body());
    assertTrue(metrics.getGetMetrics().getMetricsList().stream()
        .anyMatch(m -> m.getName().equals("slave/container_launch_errors")), metrics.toString());
    assertEquals(0, level());
    assertEquals(200, client.postJson("{\"type\":\"SET_LOGGING_LEVEL\",\"set_logging_level\":"
        + "{\"level\":1,\"duration\":{\"nanoseconds\":600000000000}}}").statusCode());
    assertEquals(1, level());
    assertEquals("1\n", client.request("GET", "/logging/toggle").body());
    assertEquals(400, client.request("GET", "/logging/toggle?level=x&duration=1secs").statusCode());
    assertEquals(400, client.request("GET", "/logging/toggle?level=1").statusCode());
    assertEquals(400, client.request("GET", "/logging/toggle?level=1&duration=soon").statusCode());
    assertEquals(200, client.request("GET", "/logging/toggle?level=2&duration=1secs").statusCode());
    Eventually.await(Duration.ofSeconds(20), () -> level() == 0, "the level reverts to 0");
    assertTrue(client.healthy());
  }

  @Test
  void anUnreadableFileValueStopsTheAgentWithOneLine() {
    Commands.Result bad = Commands.run(AgentProcess.corralCommand("agent",
        "--work_dir=" + dir.resolve("never"), "--isolation=file://" + dir.resolve("missing"))
        .toArray(String[]::new));
    assertEquals(1, bad.exit());
    assertEquals("Failed to load flag 'isolation': Error reading file '" + dir.resolve("missing")
        + "': No such file or directory", bad.err().strip());
    assertTrue(Files.notExists(dir.resolve("never")), "nothing created");
  }

  private static int level() {
    return AgentClient.parseJson(client.postJson("{\"type\":\"GET_LOGGING_LEVEL\"}").body())
        .getGetLoggingLevel().getLevel();
  }

  private static List<String> lines(Path log) {
    try {
      return Files.readAllLines(log);
    } catch (IOException e) {
      return List.of();
    }
  }
}
