package io.corral.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.corral.actors.ContainerMetrics;
import io.corral.actors.ContainerState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * /metrics and /metrics/snapshot over a registry holding the meters the containerizer registers
 * ({@link ContainerMetrics}), set here by hand: the actors' recording is tested in actors.
 */
class MetricsEndpointsTest {
  private AgentFixture agent;
  private final AtomicLong running = new AtomicLong();

  @BeforeEach
  void start() throws Exception {
    agent = new AgentFixture();
    ContainerMetrics.of(agent.registry);
  }

  @AfterEach
  void stop() {
    agent.close();
  }

  private JsonObject snapshot() throws Exception {
    HttpResponse<String> r = agent.get("/metrics/snapshot");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("application/json", r.headers().firstValue("Content-Type").orElseThrow());
    return JsonParser.parseString(r.body()).getAsJsonObject();
  }

  @Test
  void snapshotHasMesosKeysAndEveryStateStartingAtZero() throws Exception {
    JsonObject json = snapshot();

    assertEquals(0.0, json.get("slave/container_launch_errors").getAsDouble());
    assertEquals(0.0, json.get("containerizer/mesos/container_destroy_errors").getAsDouble());
    for (ContainerState state : ContainerState.values()) {
      String key = "containerizer/corral/containers_" + state.name().toLowerCase(java.util.Locale.ROOT);
      assertEquals(0.0, json.get(key).getAsDouble(), key);
    }
    assertFalse(json.has("containerizer/mesos/disk/project_ids_total"), "no disk/xfs, no project ids");
    assertEquals(2 + ContainerState.values().length, json.size(), json.toString());
    for (var entry : json.entrySet()) {
      assertTrue(entry.getValue().getAsJsonPrimitive().isNumber(), entry.toString());
    }
    java.util.List<String> keys = new java.util.ArrayList<>(json.keySet());
    assertEquals(keys.stream().sorted().toList(), keys, "sorted, as Mesos writes them");
  }

  @Test
  void snapshotReadsTheRecordedValues() throws Exception {
    Counter.builder(ContainerMetrics.LAUNCH_ERRORS).register(agent.registry).increment(2);
    Counter.builder(ContainerMetrics.DESTROY_ERRORS).register(agent.registry).increment();
    Gauge.builder(ContainerMetrics.PROJECT_IDS, () -> 5001).tag("kind", "total").register(agent.registry);
    Gauge.builder(ContainerMetrics.PROJECT_IDS, () -> 4990).tag("kind", "free").register(agent.registry);

    JsonObject json = snapshot();

    assertEquals(2.0, json.get("slave/container_launch_errors").getAsDouble());
    assertEquals(1.0, json.get("containerizer/mesos/container_destroy_errors").getAsDouble());
    assertEquals(5001.0, json.get("containerizer/mesos/disk/project_ids_total").getAsDouble());
    assertEquals(4990.0, json.get("containerizer/mesos/disk/project_ids_free").getAsDouble());
  }

  @Test
  void prometheusTextHasTheContainerizersMeters() throws Exception {
    Timer.builder(ContainerMetrics.LAUNCH).register(agent.registry).record(Duration.ofMillis(3));

    HttpResponse<String> r = agent.get("/metrics");

    assertEquals(200, r.statusCode());
    String type = r.headers().firstValue("Content-Type").orElseThrow().toLowerCase(java.util.Locale.ROOT);
    assertEquals(MetricsViews.PROMETHEUS_TEXT, type);
    assertTrue(r.body().contains("# TYPE corral_containers gauge"), r.body());
    assertTrue(r.body().contains("corral_containers{state=\"running\"} 0.0"), r.body());
    assertTrue(r.body().contains("corral_container_launch_seconds_count 1"), r.body());
    assertTrue(r.body().contains("corral_container_launch_seconds_bucket{le=\"0.005\"} 1"), r.body());
    assertTrue(r.body().contains("corral_container_launch_errors_total 0.0"), r.body());
    assertFalse(r.body().contains("# EOF"), "the 0.0.4 text format, not OpenMetrics");
  }

  @Test
  void bothAreServedWhileRecovering() throws Exception {
    agent.ready.set(false);
    assertEquals(200, agent.get("/metrics").statusCode());
    assertEquals(200, agent.get("/metrics/snapshot").statusCode());
    assertEquals(200, agent.get("/slave(1)/metrics/snapshot").statusCode());
    assertEquals(503, agent.get("/state").statusCode());
  }

  @Test
  void otherMethodsAre405AndOtherPaths404() throws Exception {
    for (String path : new String[] {"/metrics", "/metrics/snapshot"}) {
      HttpResponse<String> r = agent.send(agent.request(path).POST(BodyPublishers.ofString("{}")));
      assertEquals(405, r.statusCode(), path);
      assertTrue(r.headers().firstValue("Allow").orElse("").contains("GET"), path);
    }
    assertEquals(404, agent.get("/metrics/snapshot/x").statusCode());
  }
}
