package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.corral.it.support.AgentClient;
import io.corral.it.support.AgentProcess;
import io.corral.it.support.Host;
import io.corral.it.support.Eventually;
import io.corral.proto.v1.Flag;
import io.corral.proto.v1.ResourceStatistics;
import io.corral.proto.v1.agent.Call;
import io.corral.proto.v1.agent.Response;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The read-only calls and endpoints against a real agent with one running container:
 * GET_VERSION, GET_FLAGS, GET_CONTAINERS in both encodings, {@code /state}, {@code /containers}
 * and {@code /monitor/statistics} (which, unlike stock Mesos, lists standalone containers).
 */
@Tag("root")
class EndpointsIT {
  private static final String ID = "listed";
  private static AgentProcess agent;
  private static AgentClient client;
  private static int executorPid;

  @BeforeAll
  static void startAgentWithOneContainer() {
    assumeTrue(Host.isRoot(), "needs root: real namespaces");
    agent = AgentProcess.start(AgentProcess.FULL_ISOLATION);
    client = agent.client();
    assertEquals(200, client.launch(ID, "sleep 1000"), agent.logTail());
    executorPid = client.container(ID).orElseThrow().getContainerStatus().getExecutorPid();
  }

  @AfterAll
  static void stopAgent() {
    if (agent != null) {
      client.destroy(ID);
      agent.close();
    }
  }

  @Test
  void getVersion() {
    HttpResponse<String> r = client.postJson("{\"type\":\"GET_VERSION\"}");
    assertEquals(200, r.statusCode(), r.body());
    Response response = AgentClient.parseJson(r.body());
    assertEquals(Response.Type.GET_VERSION, response.getType());
    assertFalse(response.getGetVersion().getVersionInfo().getVersion().isEmpty(), r.body());
  }

  @Test
  void getFlagsShowsTheFlagsAsGiven() {
    HttpResponse<String> r = client.postJson("{\"type\":\"GET_FLAGS\"}");
    assertEquals(200, r.statusCode(), r.body());
    Map<String, String> flags = AgentClient.parseJson(r.body()).getGetFlags().getFlagsList().stream()
        .collect(Collectors.toMap(Flag::getName, Flag::getValue));
    assertEquals("filesystem/posix,posix/cpu,posix/mem,namespaces/pid", flags.get("isolation"), r.body());
    assertEquals(agent.workDir().toString(), flags.get("work_dir"), r.body());
    assertEquals(agent.runtimeDir().toString(), flags.get("runtime_dir"), r.body());
  }

  @Test
  void getContainersOverProtobufListsTheRunningContainer() {
    HttpResponse<byte[]> r = client.postProtobuf(Call.newBuilder()
        .setType(Call.Type.GET_CONTAINERS)
        .setGetContainers(Call.GetContainers.newBuilder().setShowStandalone(true))
        .build());
    assertEquals(200, r.statusCode());
    Response response = AgentClient.parseProtobuf(r.body());
    assertEquals(Response.Type.GET_CONTAINERS, response.getType());
    Response.GetContainers.Container c = response.getGetContainers().getContainers(0);
    assertEquals(ID, c.getContainerId().getValue());
    assertEquals(executorPid, c.getContainerStatus().getExecutorPid());
    assertTrue(c.getResourceStatistics().getTimestamp() > 0, "resource_statistics.timestamp: " + c);
  }

  @Test
  void getContainersHidesStandaloneContainersByDefault() {
    // As Mesos: show_standalone defaults to false.
    HttpResponse<String> r = client.postJson("{\"type\":\"GET_CONTAINERS\"}");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(0, AgentClient.parseJson(r.body()).getGetContainers().getContainersCount(), r.body());
  }

  @Test
  void usageOfABusyContainerGrowsAndMemLimitsComeFromResources() {
    String id = "busy";
    HttpResponse<String> launched = client.postJson(AgentClient.launchJsonRaw(
        "\"container_id\":{\"value\":\"" + id + "\"},\"command\":{\"value\":\"while :; do :; done\"},"
            + "\"resources\":[{\"name\":\"mem\",\"type\":\"SCALAR\",\"scalar\":{\"value\":64}}]"));
    assertEquals(200, launched.statusCode(), launched.body());
    try {
      // posix/cpu sums the CPU time of the container's processes: a busy loop makes it grow.
      Eventually.await(Duration.ofSeconds(20),
          () -> statistics(id).getCpusUserTimeSecs() + statistics(id).getCpusSystemTimeSecs() >= 0.2,
          () -> "0.2 s of CPU time in " + statistics(id));
      ResourceStatistics stats = statistics(id);
      assertTrue(stats.getMemRssBytes() > 0, "mem_rss_bytes: " + stats);
      assertEquals(64L * 1024 * 1024, stats.getMemLimitBytes(), "mem_limit_bytes from mem:64: " + stats);
      assertEquals(64L * 1024 * 1024, stats.getMemSoftLimitBytes(), "mem_soft_limit_bytes: " + stats);
    } finally {
      client.destroy(id);
    }
  }

  @Test
  void cpusSoftLimitIsTheCpusRequest() {
    // As Mesos 1.11 (MesosContainerizerProcess::_usage): cpus_soft_limit = the cpus request.
    String id = "soft";
    HttpResponse<String> launched = client.postJson(AgentClient.launchJsonRaw(
        "\"container_id\":{\"value\":\"" + id + "\"},\"command\":{\"value\":\"sleep 1000\"},"
            + "\"resources\":[{\"name\":\"cpus\",\"type\":\"SCALAR\",\"scalar\":{\"value\":0.5}}]"));
    assertEquals(200, launched.statusCode(), launched.body());
    try {
      ResourceStatistics stats = statistics(id);
      assertEquals(0.5, stats.getCpusSoftLimit(), 1e-9, "cpus_soft_limit from cpus:0.5: " + stats);
    } finally {
      client.destroy(id);
    }
  }

  private static ResourceStatistics statistics(String id) {
    return client.container(id).orElseThrow().getResourceStatistics();
  }

  @Test
  void stateEndpoint() {
    HttpResponse<String> r = client.request("GET", "/state");
    assertEquals(200, r.statusCode(), r.body());
    JsonObject state = JsonParser.parseString(r.body()).getAsJsonObject();
    for (String key : new String[] {"version", "start_time", "pid", "hostname", "flags"}) {
      assertTrue(state.has(key), "/state has '" + key + "': " + r.body());
    }
    assertEquals("filesystem/posix,posix/cpu,posix/mem,namespaces/pid",
        state.getAsJsonObject("flags").get("isolation").getAsString());
    assertTrue(r.body().contains("\"" + ID + "\""), "/state lists the container: " + r.body());
  }

  @Test
  void containersEndpointUsesPlainStringIds() {
    HttpResponse<String> r = client.request("GET", "/containers");
    assertEquals(200, r.statusCode(), r.body());
    JsonArray all = JsonParser.parseString(r.body()).getAsJsonArray();
    JsonObject entry = find(all, ID);
    assertEquals(executorPid, entry.getAsJsonObject("status").get("executor_pid").getAsInt(), r.body());
    assertTrue(entry.getAsJsonObject("statistics").get("timestamp").getAsDouble() > 0, r.body());
  }

  @Test
  void monitorStatisticsListsStandaloneContainers() {
    HttpResponse<String> r = client.request("GET", "/monitor/statistics");
    assertEquals(200, r.statusCode(), r.body());
    JsonArray all = JsonParser.parseString(r.body()).getAsJsonArray();
    assertEquals(1, all.size(), r.body());
    JsonObject statistics = all.get(0).getAsJsonObject().getAsJsonObject("statistics");
    assertTrue(statistics.get("timestamp").getAsDouble() > 0, r.body());
    assertTrue(r.body().contains(ID), "the entry names the container: " + r.body());
  }

  private static JsonObject find(JsonArray entries, String id) {
    for (JsonElement e : entries) {
      JsonObject o = e.getAsJsonObject();
      if (o.has("container_id") && o.get("container_id").isJsonPrimitive()
          && o.get("container_id").getAsString().equals(id)) {
        return o;
      }
    }
    throw new AssertionError("no entry with container_id '" + id + "' in " + entries);
  }
}
