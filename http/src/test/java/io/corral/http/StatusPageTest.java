package io.corral.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.corral.actors.ContainerState;
import io.corral.actors.Containerizer;
import io.corral.http.security.Acls;
import io.corral.http.security.Credentials;
import io.corral.http.security.HttpSecurity;
import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.ContainerStatus;
import io.corral.proto.v1.ContainerTermination;
import io.corral.proto.v1.ResourceStatistics;
import io.corral.proto.v1.TaskState;
import io.corral.proto.v1.TaskStatus;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * The status page's routes against a {@link FakeContainerizer}: the page and its assets with a
 * strict CSP and nosniff, the JSON it polls (agent, flags, containers with limits, history and
 * termination), the read-only realm's 401, no containers (and no asks) for a caller who may not
 * view them, and the recovering agent.
 */
class StatusPageTest {
  private static final String ODD_ID = "c\"</td><script>x</script>";
  private static final String ACLS = "{\"permissive\":false,"
      + "\"view_standalone_containers\":[{\"principals\":{\"values\":[\"ro\"]},"
      + "\"users\":{\"type\":\"ANY\"}}],"
      + "\"view_flags\":[{\"principals\":{\"values\":[\"ro\"]},\"flags\":{\"type\":\"ANY\"}}]}";

  private static Containerizer.ContainerSnapshot running(String id) {
    ContainerID cid = ContainerID.newBuilder().setValue(id).build();
    return new Containerizer.ContainerSnapshot(cid, ContainerState.RUNNING,
        ContainerStatus.newBuilder().setContainerId(cid)
            .setExecutorPid((int) ProcessHandle.current().pid()).build(),
        ResourceStatistics.newBuilder().setTimestamp(1).setCpusLimit(0.5)
            .setMemLimitBytes(64L << 20).buildPartial(),
        Optional.empty());
  }

  private static Containerizer.ContainerSnapshot terminated(String id) {
    ContainerID cid = ContainerID.newBuilder().setValue(id).build();
    return new Containerizer.ContainerSnapshot(cid, ContainerState.TERMINATED,
        ContainerStatus.newBuilder().setContainerId(cid).build(), null,
        Optional.of(ContainerTermination.newBuilder().setState(TaskState.TASK_FAILED)
            .setReason(TaskStatus.Reason.REASON_CONTAINER_LIMITATION_MEMORY)
            .setMessage("Memory limit exceeded").setStatus(9).build()));
  }

  @Test
  void servesThePageAndItsAssetsWithAStrictPolicy() throws Exception {
    try (AgentFixture agent = new AgentFixture()) {
      for (String[] asset : new String[][] {{"/", "text/html"}, {"/status.js", "application/javascript"},
          {"/status.css", "text/css"}, {"/slave(1)/", "text/html"}}) {
        HttpResponse<String> r = agent.get(asset[0]);
        assertEquals(200, r.statusCode(), asset[0]);
        assertTrue(r.headers().firstValue("Content-Type").orElseThrow().startsWith(asset[1]), asset[0]);
        assertEquals(StatusPage.CSP, r.headers().firstValue("Content-Security-Policy").orElseThrow());
        assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElseThrow());
      }
      String html = agent.get("/").body();
      assertTrue(html.contains("<script src=\"status.js\""), html);
      assertFalse(html.contains("<script>"), "no inline script");
      assertFalse(agent.get("/status.js").body().contains("innerHTML"), "data goes in as text only");
      assertEquals(404, agent.get("/nothing-here").statusCode());
    }
  }

  @Test
  void theJsonHasTheAgentItsFlagsAndEveryContainer() throws Exception {
    try (AgentFixture agent = new AgentFixture()) {
      agent.fake.containers = List.of(running(ODD_ID), terminated("ended"));
      agent.fake.onUsage = m -> new Containerizer.Statistics(m.id(), ResourceStatistics.newBuilder()
          .setTimestamp(System.currentTimeMillis() / 1000.0).setCpusUserTimeSecs(1)
          .setMemTotalBytes(4096).setDiskUsedBytes(8192).setDiskLimitBytes(1 << 20).build());
      JsonObject status = awaitHistory(agent, 1);
      JsonObject a = status.getAsJsonObject("agent");
      assertEquals("0.1.0-test", a.get("corral_version").getAsString());
      assertEquals("healthy", a.get("health").getAsString());
      assertEquals(AgentFixture.INFO.startTime().toEpochMilli(), a.get("start_time").getAsLong());
      assertEquals("posix/cpu,posix/mem", status.getAsJsonObject("flags").get("isolation").getAsString());
      JsonObject first = status.getAsJsonArray("containers").get(0).getAsJsonObject();
      assertEquals(ODD_ID, first.get("id").getAsString(), "escaped in JSON, intact once parsed");
      assertEquals("RUNNING", first.get("state").getAsString());
      assertTrue(first.get("started").getAsLong() > 0, "the init's start time");
      assertEquals(0.5, first.getAsJsonObject("limits").get("cpus").getAsDouble());
      assertEquals(64L << 20, first.getAsJsonObject("limits").get("mem_bytes").getAsLong());
      assertEquals(1 << 20, first.getAsJsonObject("limits").get("disk_bytes").getAsLong(),
          "a limit only the isolators know, from the latest usage");
      assertEquals(4096, first.getAsJsonObject("history").getAsJsonArray("mem_bytes").get(0).getAsLong());
      assertEquals(8192, first.getAsJsonObject("history").getAsJsonArray("disk_bytes").get(0).getAsLong());
      JsonObject ended = status.getAsJsonArray("containers").get(1).getAsJsonObject();
      JsonObject termination = ended.getAsJsonObject("termination");
      assertEquals("REASON_CONTAINER_LIMITATION_MEMORY", termination.get("reason").getAsString());
      assertEquals("Memory limit exceeded", termination.get("message").getAsString());
      assertEquals(9, termination.get("status").getAsInt());
    }
  }

  @Test
  void aRecoveringAgentSaysSoAndListsNothing() throws Exception {
    try (AgentFixture agent = new AgentFixture()) {
      agent.ready.set(false);
      agent.fake.containers = List.of(running("c1"));
      JsonObject status = JsonParser.parseString(agent.get("/status.json").body()).getAsJsonObject();
      assertEquals("recovering", status.getAsJsonObject("agent").get("health").getAsString());
      assertEquals(0, status.getAsJsonArray("containers").size());
      assertTrue(agent.fake.received.isEmpty(), "nothing asked while recovering");
    }
  }

  @Test
  void theReadOnlyRealmGuardsThePageAndTheAclsItsContainers() throws Exception {
    Credentials credentials = Credentials.of(Map.of("ro", "r3ad", "nobody", "x"));
    try (AgentFixture agent = new AgentFixture(new HttpSecurity(true, true, Optional.of(credentials),
        Optional.of(Acls.parse(ACLS))))) {
      agent.fake.containers = List.of(running("c1"));
      for (String path : List.of("/", "/status.js", "/status.css", "/status.json")) {
        HttpResponse<String> r = agent.get(path);
        assertEquals(401, r.statusCode(), path);
        assertEquals("Basic realm=\"mesos-agent-readonly\"",
            r.headers().firstValue("WWW-Authenticate").orElseThrow());
      }
      HttpResponse<String> nobody = agent.send(agent.request("/status.json").header("Authorization", basic("nobody", "x")));
      assertEquals(200, nobody.statusCode());
      JsonObject hidden = JsonParser.parseString(nobody.body()).getAsJsonObject();
      assertEquals(0, hidden.getAsJsonArray("containers").size());
      assertFalse(hidden.has("flags"), "view_flags refuses them: " + hidden);
      assertTrue(agent.fake.received.isEmpty(), "a caller who may not view starts no sampling");
      HttpResponse<String> ro = agent.send(agent.request("/status.json").header("Authorization", basic("ro", "r3ad")));
      JsonObject seen = JsonParser.parseString(ro.body()).getAsJsonObject();
      assertEquals(1, seen.getAsJsonArray("containers").size());
      assertTrue(seen.has("flags"), seen.toString());
    }
  }

  private static String basic(String user, String secret) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + secret).getBytes(StandardCharsets.UTF_8));
  }

  /** The status once its first container has {@code points} samples, polled with a deadline. */
  private static JsonObject awaitHistory(AgentFixture agent, int points) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (true) {
      JsonObject status = JsonParser.parseString(agent.get("/status.json").body()).getAsJsonObject();
      JsonObject first = status.getAsJsonArray("containers").get(0).getAsJsonObject();
      if (first.getAsJsonObject("history").getAsJsonArray("at").size() >= points) {
        return status;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("no history after 20 s: " + status);
      }
      LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
    }
  }
}
