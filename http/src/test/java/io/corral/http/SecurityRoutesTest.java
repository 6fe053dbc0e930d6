package io.corral.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.actors.ContainerState;
import io.corral.actors.Containerizer;
import io.corral.http.security.Acls;
import io.corral.http.security.Credentials;
import io.corral.http.security.HttpSecurity;
import io.corral.proto.v1.ContainerID;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Authentication and authorization of every route, against a {@link FakeContainerizer}: 401
 * with libprocess' challenge for each realm that requires it, 403 for calls the ACLs refuse
 * (which reach no actor), and views emptied for a caller that may not view containers.
 */
class SecurityRoutesTest {
  private static final String LAUNCH = "{\"type\":\"LAUNCH_CONTAINER\",\"launch_container\":"
      + "{\"container_id\":{\"value\":\"c1\"},\"command\":{\"value\":\"true\"}}}";
  private static final String GET_CONTAINERS =
      "{\"type\":\"GET_CONTAINERS\",\"get_containers\":{\"show_standalone\":true}}";
  private static final String ACLS = "{\"permissive\":false,"
      + "\"launch_standalone_containers\":[{\"principals\":{\"values\":[\"rw\"]},"
      + "\"users\":{\"type\":\"ANY\"}}],"
      + "\"view_standalone_containers\":[{\"principals\":{\"values\":[\"rw\",\"ro\"]},"
      + "\"users\":{\"type\":\"ANY\"}}],"
      + "\"view_flags\":[{\"principals\":{\"values\":[\"ro\"]},\"flags\":{\"type\":\"NONE\"}},"
      + "{\"principals\":{\"values\":[\"rw\"]},\"flags\":{\"type\":\"ANY\"}}],"
      + "\"prune_images\":[{\"principals\":{\"values\":[\"rw\"]},\"images\":{\"type\":\"ANY\"}}]}";
  private static AgentFixture agent;

  @BeforeAll
  static void start() throws Exception {
    Credentials credentials = Credentials.of(Map.of("rw", "s3cret", "ro", "r3ad", "nobody", "x"));
    agent = new AgentFixture(new HttpSecurity(true, true, Optional.of(credentials),
        Optional.of(Acls.parse(ACLS))));
  }

  @AfterAll
  static void stop() {
    agent.close();
  }

  @BeforeEach
  void reset() {
    agent.fake.reset();
    agent.fake.containers = List.of(new Containerizer.ContainerSnapshot(
        ContainerID.newBuilder().setValue("c0").build(), ContainerState.RUNNING, null, null,
        Optional.empty()));
  }

  @Test
  void withoutCredentialsTheApiIs401WithTheReadWriteChallenge() throws Exception {
    HttpResponse<String> r = post(LAUNCH, null);
    assertEquals(401, r.statusCode());
    assertEquals("Basic realm=\"mesos-agent-readwrite\"",
        r.headers().firstValue("WWW-Authenticate").orElseThrow());
    assertEquals("401 Unauthorized.", r.body());
    assertTrue(agent.fake.received.isEmpty(), "a refused call reaches no actor");
  }

  @Test
  void badCredentialsAre401() throws Exception {
    for (String header : List.of(basic("rw", "wrong"), basic("who", "s3cret"), "Basic !!!",
        "Bearer abc", "Basic " + b64("rw:s3cret:x"), "Basic", "Basic " + b64("rw"))) {
      HttpResponse<String> r = post(LAUNCH, header);
      assertEquals(401, r.statusCode(), header);
      assertFalse(r.body().contains("s3cret"));
    }
    assertTrue(agent.fake.received.isEmpty());
  }

  @Test
  void theReadOnlyEndpointsChallengeWithTheReadOnlyRealmAndHealthIsOpen() throws Exception {
    agent.fake.containers = List.of();
    for (String path : List.of("/state", "/containers", "/monitor/statistics", "/metrics",
        "/metrics/snapshot", "/slave(1)/state")) {
      HttpResponse<String> r = get(path, null);
      assertEquals(401, r.statusCode(), path);
      assertEquals("Basic realm=\"mesos-agent-readonly\"",
          r.headers().firstValue("WWW-Authenticate").orElseThrow(), path);
      assertEquals(200, get(path, basic("ro", "r3ad")).statusCode(), path);
    }
    assertEquals(200, get("/health", null).statusCode());
  }

  @Test
  void aPrincipalTheAclsRefuseGets403AndNothingIsLaunched() throws Exception {
    HttpResponse<String> r = post(LAUNCH, basic("ro", "r3ad"));
    assertEquals(403, r.statusCode());
    assertEquals("403 Forbidden.", r.body());
    assertTrue(agent.fake.received.isEmpty());
    assertEquals(200, post(LAUNCH, basic("rw", "s3cret")).statusCode());
    agent.fake.next(Containerizer.Launch.class, AgentFixture.TIMEOUT);
  }

  @Test
  void pruneImagesFollowsItsRules() throws Exception {
    String prune = "{\"type\":\"PRUNE_IMAGES\"}";
    assertEquals(401, post(prune, null).statusCode());
    assertEquals(403, post(prune, basic("ro", "r3ad")).statusCode());
    assertTrue(agent.fake.received.isEmpty());
    assertEquals(200, post(prune, basic("rw", "s3cret")).statusCode());
    agent.fake.next(Containerizer.PruneImages.class, AgentFixture.TIMEOUT);
  }

  @Test
  void theFlagsAreForThoseViewFlagsAllows() throws Exception {
    String getFlags = "{\"type\":\"GET_FLAGS\"}";
    assertEquals(200, get("/flags", basic("rw", "s3cret")).statusCode());
    assertTrue(post(getFlags, basic("rw", "s3cret")).body().contains("flags"));
    assertTrue(get("/state", basic("rw", "s3cret")).body().contains("\"flags\""));
    for (String[] refused : List.of(new String[] {"ro", "r3ad"}, new String[] {"nobody", "x"})) {
      String who = basic(refused[0], refused[1]);
      assertEquals(403, get("/flags", who).statusCode(), refused[0]);
      assertEquals(403, post(getFlags, who).statusCode(), refused[0]);
      HttpResponse<String> state = get("/state", who);
      assertEquals(200, state.statusCode(), refused[0]);
      assertFalse(state.body().contains("\"flags\""), refused[0] + ": " + state.body());
    }
  }

  @Test
  void aPrincipalThatMayNotViewSeesNoContainer() throws Exception {
    assertTrue(post(GET_CONTAINERS, basic("ro", "r3ad")).body().contains("c0"));
    assertFalse(post(GET_CONTAINERS, basic("nobody", "x")).body().contains("c0"));
    for (String path : List.of("/state", "/containers")) {
      assertTrue(get(path, basic("ro", "r3ad")).body().contains("c0"), path);
      HttpResponse<String> hidden = get(path, basic("nobody", "x"));
      assertEquals(200, hidden.statusCode());
      assertFalse(hidden.body().contains("c0"), path);
    }
  }

  @Test
  void theCredentialsOfTheOtherRealmWorkTooAndAreNeverEchoed() throws Exception {
    HttpResponse<String> r = post(GET_CONTAINERS, basic("ro", "r3ad"));
    assertEquals(200, r.statusCode());
    assertFalse(r.body().contains("r3ad"));
  }

  static String basic(String principal, String secret) {
    return "Basic " + b64(principal + ":" + secret);
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static HttpResponse<String> post(String json, String authorization) throws Exception {
    HttpRequest.Builder b = agent.request("/api/v1").header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json));
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return agent.send(b);
  }

  private static HttpResponse<String> get(String path, String authorization) throws Exception {
    HttpRequest.Builder b = agent.request(path).GET();
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return agent.send(b);
  }
}
