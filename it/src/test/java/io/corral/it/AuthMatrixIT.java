package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.it.support.AgentClient;
import io.corral.it.support.AgentProcess;
import io.corral.it.support.Host;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Every endpoint and call of a real agent (as root, on loopback) against every kind of caller:
 * no credentials, a wrong secret, an unknown principal, a read-only principal (the ACLs let it
 * view only), a principal that may not even view, and a read-write principal. The agent runs
 * with {@code --http_credentials}, {@code --authenticate_http_readonly} and {@code --acls}
 * (not permissive). Each refusal has Mesos' status (401 with the realm's challenge, or 403),
 * and a refused LAUNCH/KILL/REMOVE changes nothing: GET_CONTAINERS and the host's processes
 * and files say so.
 */
@Tag("root")
class AuthMatrixIT {
  private static final String RW = "operator";
  private static final String RO = "viewer";
  private static final String BLIND = "outsider";
  private static final String ACLS = "{\"permissive\":false,"
      + rule("launch_standalone_containers", RW) + "," + rule("wait_standalone_containers", RW)
      + "," + rule("kill_standalone_containers", RW) + "," + rule("remove_standalone_containers", RW)
      + "," + rule("view_standalone_containers", RW + "\",\"" + RO)
      + ",\"view_flags\":[{\"principals\":{\"values\":[\"" + RW + "\"]},\"flags\":{\"type\":\"ANY\"}}]}";
  private static final String SLEEP = "exec sleep 3617";

  private static Path dir;
  private static AgentProcess agent;
  private static Map<String, AgentClient> refused;

  @BeforeAll
  static void start() throws IOException {
    assumeTrue(Host.isRoot(), "needs root: the agent launches containers in namespaces");
    dir = Files.createTempDirectory("corral-auth-");
    Path credentials = dir.resolve("credentials.json");
    Files.writeString(credentials, "{\"credentials\":[" + credential(RW, "rw-secret") + ","
        + credential(RO, "ro-secret") + "," + credential(BLIND, "blind-secret") + "]}");
    agent = AgentProcess.start(Map.of(), "--http_credentials=file://" + credentials,
        "--authenticate_http_readonly", "--acls=" + ACLS);
    refused = new LinkedHashMap<>();
    refused.put("no credentials", client(null));
    refused.put("wrong secret", client(AgentClient.basic(RW, "ro-secret")));
    refused.put("unknown principal", client(AgentClient.basic("nobody", "rw-secret")));
  }

  @AfterAll
  static void stop() throws IOException {
    if (agent != null) {
      agent.close();
    }
    if (dir != null) {
      try (var files = Files.list(dir)) {
        for (Path f : files.toList()) {
          Files.delete(f);
        }
      }
      Files.delete(dir);
    }
  }

  @Test
  void everyCallAndEndpointRefusesCallersWithoutValidCredentials() {
    List<String> calls = List.of("{\"type\":\"GET_HEALTH\"}", "{\"type\":\"GET_VERSION\"}",
        "{\"type\":\"GET_FLAGS\"}", "{\"type\":\"GET_CONTAINERS\"}",
        AgentClient.launchJson("refused", "touch " + marker("refused")),
        AgentClient.idCallJson("WAIT_CONTAINER", "refused"),
        AgentClient.idCallJson("KILL_CONTAINER", "refused"),
        AgentClient.idCallJson("REMOVE_CONTAINER", "refused"));
    refused.forEach((who, client) -> {
      for (String call : calls) {
        HttpResponse<String> r = client.postJson(call);
        assertEquals(401, r.statusCode(), who + ": " + call);
        assertEquals("Basic realm=\"mesos-agent-readwrite\"",
            r.headers().firstValue("WWW-Authenticate").orElse(""), who);
      }
      for (String path : List.of("/state", "/containers", "/monitor/statistics", "/metrics",
          "/metrics/snapshot", "/", "/status.json")) {
        HttpResponse<String> r = client.request("GET", path);
        assertEquals(401, r.statusCode(), who + ": " + path);
        assertEquals("Basic realm=\"mesos-agent-readonly\"",
            r.headers().firstValue("WWW-Authenticate").orElse(""), who);
      }
      assertEquals(200, client.request("GET", "/health").statusCode(), who + ": /health is open");
    });
    assertTrue(agent.client().container("refused").isEmpty(), "nothing was launched");
    assertFalse(Files.exists(marker("refused")), "the refused command never ran");
    assertTrue(agent.isAlive());
  }

  @Test
  void getFlagsShowsTheCredentialsPathAndNoSecretToWhomViewFlagsAllows() {
    HttpResponse<String> r = client(AgentClient.basic(RW, "rw-secret")).postJson("{\"type\":\"GET_FLAGS\"}");
    assertEquals(200, r.statusCode());
    assertEquals(403, client(AgentClient.basic(RO, "ro-secret")).postJson("{\"type\":\"GET_FLAGS\"}").statusCode());
    assertTrue(r.body().contains("credentials.json"), r.body());
    for (String secret : List.of("rw-secret", "ro-secret", "blind-secret")) {
      assertFalse(r.body().contains(secret), r.body());
      assertFalse(agent.logTail().contains(secret), "no secret in the agent's log");
    }
  }

  @Test
  void principalsGetWhatTheAclsGrantAndRefusalsChangeNothing() {
    AgentClient rw = client(AgentClient.basic(RW, "rw-secret"));
    AgentClient ro = client(AgentClient.basic(RO, "ro-secret"));
    AgentClient blind = client(AgentClient.basic(BLIND, "blind-secret"));
    for (AgentClient limited : List.of(ro, blind)) {
      assertEquals(403, limited.launch("by-limited", "touch " + marker("by-limited")));
      assertEquals(200, limited.postJson("{\"type\":\"GET_HEALTH\"}").statusCode());
    }
    assertTrue(rw.container("by-limited").isEmpty());
    assertFalse(Files.exists(marker("by-limited")));

    assertEquals(200, rw.launch("held", SLEEP));
    int pid = rw.container("held").orElseThrow().getContainerStatus().getExecutorPid();
    for (AgentClient limited : List.of(ro, blind)) {
      assertEquals(403, limited.kill("held"));
      assertEquals(403, limited.waitRaw("held").statusCode());
      assertEquals(403, limited.remove("held"));
    }
    assertTrue(Host.read(pid) != null, "a refused KILL kills nothing");

    assertTrue(ro.containers().stream().anyMatch(c -> c.getContainerId().getValue().equals("held")));
    assertTrue(blind.containers().isEmpty(), "a principal that may not view sees no container");
    for (String path : List.of("/state", "/containers", "/monitor/statistics", "/status.json")) {
      assertTrue(ro.request("GET", path).body().contains("held"), path);
      HttpResponse<String> hidden = blind.request("GET", path);
      assertEquals(200, hidden.statusCode(), path);
      assertFalse(hidden.body().contains("held"), path);
    }
    assertEquals(200, blind.request("GET", "/metrics/snapshot").statusCode());

    assertEquals(200, rw.kill("held"));
    assertEquals(9, rw.waitFor("held").getExitStatus() & 0x7f);
    assertEquals(200, rw.remove("held"));
    assertTrue(rw.container("held").isEmpty());
  }

  private static AgentClient client(String authorization) {
    return agent.client().withAuthorization(authorization);
  }

  private static Path marker(String id) {
    return dir.resolve("ran-" + id);
  }

  private static String credential(String principal, String secret) {
    return "{\"principal\":\"" + principal + "\",\"secret\":\"" + secret + "\"}";
  }

  private static String rule(String action, String principals) {
    return "\"" + action + "\":[{\"principals\":{\"values\":[\"" + principals + "\"]},"
        + "\"users\":{\"type\":\"ANY\"}}]";
  }
}
