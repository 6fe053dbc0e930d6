package io.corral.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.corral.actors.ContainerError;
import io.corral.actors.Containerizer;
import io.corral.proto.v1.ResourceStatistics;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The GET endpoints: /health, /state, /containers, /monitor/statistics, and recovery 503. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EndpointsTest {
  private AgentFixture agent;

  @BeforeAll
  void start() throws Exception {
    agent = new AgentFixture();
  }

  @AfterAll
  void stop() {
    agent.close();
  }

  @BeforeEach
  void reset() {
    agent.fake.reset();
    agent.ready.set(true);
    agent.fake.containers = ContainerCallsTest.snapshots();
  }

  @Test
  void healthIs200Empty() throws Exception {
    for (String path : new String[] {"/health", "/slave(1)/health"}) {
      HttpResponse<String> r = agent.get(path);
      assertEquals(200, r.statusCode());
      assertEquals("", r.body());
    }
  }

  @Test
  void stateDescribesTheAgentAndEveryContainer() throws Exception {
    HttpResponse<String> r = agent.get("/state");
    assertEquals(200, r.statusCode());
    assertEquals("application/json", r.headers().firstValue("Content-Type").get());
    JsonObject state = JsonParser.parseString(r.body()).getAsJsonObject();
    assertEquals("1.11.0", state.get("version").getAsString());
    assertEquals("0.1.0-test", state.get("corral_version").getAsString());
    assertEquals("2026-11-25 19:30:50", state.get("build_date").getAsString());
    assertEquals(1764099050.0, state.get("build_time").getAsDouble());
    assertEquals("builder", state.get("build_user").getAsString());
    assertEquals(1764100000.5, state.get("start_time").getAsDouble());
    assertEquals("agent-1", state.get("id").getAsString());
    assertEquals("slave(1)@127.0.0.1:5051", state.get("pid").getAsString());
    assertEquals("host-a", state.get("hostname").getAsString());
    JsonObject flags = state.getAsJsonObject("flags");
    assertEquals("posix/cpu,posix/mem", flags.get("isolation").getAsString());
    assertEquals("15secs", flags.get("container_disk_watch_interval").getAsString());
    assertEquals("false", flags.get("enforce_container_disk_quota").getAsString());
    assertEquals(0, state.getAsJsonArray("frameworks").size());

    JsonArray containers = state.getAsJsonArray("containers");
    assertEquals(2, containers.size());
    JsonObject running = containers.get(0).getAsJsonObject();
    assertEquals("c1", running.get("container_id").getAsString());
    assertEquals("RUNNING", running.get("state").getAsString());
    assertEquals(4242, running.getAsJsonObject("status").get("executor_pid").getAsInt());
    assertEquals(67108864L,
        running.getAsJsonObject("statistics").get("mem_limit_bytes").getAsLong());
    assertFalse(running.has("termination"));
    JsonObject ended = containers.get(1).getAsJsonObject();
    assertEquals("TERMINATED", ended.get("state").getAsString());
    assertEquals(0, ended.getAsJsonObject("termination").get("status").getAsInt());
  }

  @Test
  void stateIsFreshOnEveryRequest() throws Exception {
    agent.fake.containers = java.util.List.of();
    JsonObject state = JsonParser.parseString(agent.get("/state").body()).getAsJsonObject();
    assertEquals(0, state.getAsJsonArray("containers").size());
    agent.fake.containers = ContainerCallsTest.snapshots();
    state = JsonParser.parseString(agent.get("/slave(1)/state").body()).getAsJsonObject();
    assertEquals(2, state.getAsJsonArray("containers").size());
  }

  @Test
  void containersListsRunningContainersWithStringIds() throws Exception {
    HttpResponse<String> r = agent.get("/containers");
    assertEquals(200, r.statusCode());
    assertEquals("[{\"container_id\":\"c1\","
        + "\"status\":{\"container_id\":{\"value\":\"c1\"},\"executor_pid\":4242},"
        + "\"statistics\":{\"timestamp\":1764100000.5,\"processes\":2,"
        + "\"cpus_user_time_secs\":0.25,\"mem_limit_bytes\":67108864,"
        + "\"mem_rss_bytes\":1048576}}]", r.body());
  }

  @Test
  void containersFiltersByContainerId() throws Exception {
    assertEquals(1, JsonParser.parseString(agent.get("/containers?container_id=c1").body())
        .getAsJsonArray().size());
    assertEquals("[]", agent.get("/containers?container_id=nope").body());
    assertEquals("[]",
        agent.get("/containers?framework_id=f&executor_id=e").body());
    HttpResponse<String> half = agent.get("/containers?framework_id=f");
    assertEquals(400, half.statusCode());
    assertEquals("Both 'framework_id' and 'executor_id' should be specified", half.body());
  }

  @Test
  void monitorStatisticsListsAFreshUsageOfEachRunningContainer() throws Exception {
    agent.fake.onUsage = m -> new Containerizer.Statistics(m.id(), ResourceStatistics.newBuilder()
        .setTimestamp(1764100009.25).setMemRssBytes(4096).setCpusSystemTimeSecs(0.5).build());
    HttpResponse<String> r = agent.get("/monitor/statistics");
    assertEquals(200, r.statusCode());
    assertEquals("[{\"executor_id\":\"c1\",\"executor_name\":\"c1\",\"framework_id\":\"\","
        + "\"source\":\"c1\",\"statistics\":{\"timestamp\":1764100009.25,"
        + "\"cpus_system_time_secs\":0.5,\"mem_rss_bytes\":4096}}]", r.body());
  }

  @Test
  void monitorStatisticsLeavesOutContainersWhoseUsageFails() throws Exception {
    agent.fake.onUsage = m -> new Containerizer.Rejected(new ContainerError.NotFound(m.id()));
    HttpResponse<String> r = agent.get("/slave(1)/monitor/statistics");
    assertEquals(200, r.statusCode());
    assertEquals("[]", r.body());
  }

  @Test
  void everyKeyIsSnakeCase() throws Exception {
    agent.fake.onUsage = m -> new Containerizer.Statistics(m.id(),
        ResourceStatistics.newBuilder().setTimestamp(1).setCpusNrThrottled(1).build());
    agent.fake.onWait = m -> new Containerizer.Terminated(m.id(),
        io.corral.proto.v1.ContainerTermination.newBuilder().setStatus(9)
            .setState(io.corral.proto.v1.TaskState.TASK_FAILED)
            .setReason(io.corral.proto.v1.TaskStatus.Reason.REASON_CONTAINER_LIMITATION_DISK)
            .addLimitedResources(io.corral.proto.v1.Resource.newBuilder().setName("disk")
                .setType(io.corral.proto.v1.Value.Type.SCALAR)
                .setScalar(io.corral.proto.v1.Value.Scalar.newBuilder().setValue(1)))
            .setMessage("Disk usage (2MB) exceeds quota (1MB)").build());
    String[] bodies = {
      agent.get("/state").body(),
      agent.get("/containers").body(),
      agent.get("/monitor/statistics").body(),
      agent.postJson("{\"type\":\"GET_CONTAINERS\",\"get_containers\":"
          + "{\"show_standalone\":true}}").body(),
      agent.postJson("{\"type\":\"GET_VERSION\"}").body(),
      agent.postJson("{\"type\":\"WAIT_CONTAINER\",\"wait_container\":"
          + "{\"container_id\":{\"value\":\"c1\"}}}").body(),
    };
    for (String body : bodies) {
      assertSnakeCase(JsonParser.parseString(body), body);
    }
  }

  private static void assertSnakeCase(com.google.gson.JsonElement json, String body) {
    if (json.isJsonArray()) {
      json.getAsJsonArray().forEach(e -> assertSnakeCase(e, body));
    } else if (json.isJsonObject()) {
      for (var entry : json.getAsJsonObject().entrySet()) {
        assertTrue(entry.getKey().matches("[a-z0-9_]+"), entry.getKey() + " in " + body);
        assertSnakeCase(entry.getValue(), body);
      }
    }
  }

  @Test
  void whileRecoveringEveryEndpointButHealthIs503() throws Exception {
    agent.ready.set(false);
    for (String path : new String[] {"/state", "/containers", "/monitor/statistics"}) {
      HttpResponse<String> r = agent.get(path);
      assertEquals(503, r.statusCode(), path);
      assertEquals("Agent has not finished recovery", r.body());
    }
    assertEquals(200, agent.get("/health").statusCode());
    agent.ready.set(true);
    assertEquals(200, agent.get("/state").statusCode());
  }

  @Test
  void getEndpointsRefuseOtherMethods() throws Exception {
    HttpResponse<String> r = agent.send(agent.request("/state")
        .POST(BodyPublishers.ofString("{}")));
    assertEquals(405, r.statusCode());
    assertTrue(r.headers().firstValue("Allow").orElse("").contains("GET"));
  }

  @Test
  void unknownPathsAre404() throws Exception {
    assertEquals(404, agent.get("/metrics/nope").statusCode());
    assertEquals(404, agent.get("/slave(2)/state").statusCode());
  }

  @Test
  void anUnansweredListIs503() throws Exception {
    try (AgentFixture slow = new AgentFixture(
        HttpSettings.defaults().withAskTimeout(java.time.Duration.ofMillis(200)))) {
      slow.fake.answerGetContainers = false;
      HttpResponse<String> r = slow.get("/state");
      assertEquals(503, r.statusCode());
      assertEquals("Failed to get state: no answer within 200ms", r.body());
    }
  }
}
