package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.corral.it.support.AgentClient;
import io.corral.it.support.AgentProcess;
import io.corral.it.support.Host;
import io.corral.proto.v1.TaskStatus;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /metrics} and {@code GET /metrics/snapshot} of a real agent after one launch that
 * runs and one that fails at exec: the counts by state, the one sample of the launch histogram,
 * the isolator phases and Mesos' {@code slave/container_launch_errors}.
 */
@Tag("root")
class MetricsIT {
  private AgentProcess agent;
  private AgentClient client;

  @BeforeEach
  void start() {
    assumeTrue(Host.isRoot(), "needs root: real namespaces");
    agent = AgentProcess.start(AgentProcess.FULL_ISOLATION);
    client = agent.client();
  }

  @AfterEach
  void stop() {
    if (agent != null) {
      agent.close();
    }
  }

  private JsonObject snapshot() {
    HttpResponse<String> r = client.request("GET", "/metrics/snapshot");
    assertEquals(200, r.statusCode(), r.body());
    return JsonParser.parseString(r.body()).getAsJsonObject();
  }

  private String prometheus() {
    HttpResponse<String> r = client.request("GET", "/metrics");
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"),
        r.headers().toString());
    return r.body();
  }

  /** The value of the sample line {@code series} (a name with its labels, as written). */
  private static double sample(String text, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
    assertTrue(m.find(), "no sample '" + series + "' in\n" + text);
    return Double.parseDouble(m.group(1));
  }

  @Test
  void aRunningAndAFailedLaunchAreCountedAndTheRunningOneTimed() {
    JsonObject before = snapshot();
    assertEquals(0.0, before.get("slave/container_launch_errors").getAsDouble(), before.toString());
    assertEquals(0.0, before.get("containerizer/corral/containers_running").getAsDouble(), before.toString());

    assertEquals(200, client.launch("m-run", "sleep 1000"), agent.logTail());
    HttpResponse<String> failed = client.postJson(AgentClient.launchJsonRaw(
        "\"container_id\":{\"value\":\"m-fail\"},"
            + "\"command\":{\"shell\":false,\"value\":\"/no/such/binary\",\"arguments\":[\"/no/such/binary\"]}"));
    assertEquals(400, failed.statusCode(), failed.body());
    assertEquals(TaskStatus.Reason.REASON_CONTAINER_LAUNCH_FAILED, client.waitFor("m-fail").getReason());

    JsonObject after = snapshot();
    assertEquals(1.0, after.get("slave/container_launch_errors").getAsDouble(), after.toString());
    assertEquals(0.0, after.get("containerizer/mesos/container_destroy_errors").getAsDouble(), after.toString());
    assertEquals(1.0, after.get("containerizer/corral/containers_running").getAsDouble(), after.toString());
    assertEquals(1.0, after.get("containerizer/corral/containers_terminated").getAsDouble(), after.toString());
    assertEquals(0.0, after.get("containerizer/corral/containers_provisioning").getAsDouble(), after.toString());
    assertTrue(!after.has("containerizer/mesos/disk/project_ids_total"), "no disk/xfs: " + after);

    String text = prometheus();
    assertEquals(1.0, sample(text, "corral_container_launch_seconds_count"), "only the launch that ran is timed");
    assertEquals(1.0, sample(text, "corral_container_launch_seconds_bucket{le=\"+Inf\"}"));
    assertEquals(1.0, sample(text, "corral_container_launch_errors_total"));
    assertEquals(1.0, sample(text, "corral_containers{state=\"running\"}"));
    Matcher prepares = Pattern.compile(
        "(?m)^corral_isolator_phase_seconds_count\\{isolator=\"([^\"]+)\",phase=\"prepare\"} (\\S+)$").matcher(text);
    assertTrue(prepares.find(), "an isolator that prepares, timed:\n" + text);
    assertEquals(2.0, Double.parseDouble(prepares.group(2)), "both launches prepared " + prepares.group(1));

    client.destroy("m-run");
    assertEquals(200, client.remove("m-fail"));
    JsonObject end = snapshot();
    for (String state : new String[] {"provisioning", "preparing", "isolating", "fetching", "running",
        "destroying", "terminated"}) {
      assertEquals(0.0, end.get("containerizer/corral/containers_" + state).getAsDouble(), state + ": " + end);
    }
    assertEquals(1.0, end.get("slave/container_launch_errors").getAsDouble(), "a killed container is no launch error");
  }
}
