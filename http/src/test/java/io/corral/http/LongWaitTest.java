package io.corral.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.corral.actors.Containerizer;
import io.corral.proto.v1.ContainerTermination;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.Test;

/**
 * WAIT_CONTAINER lasts as long as the container: neither the server's request timeout nor its
 * idle timeout may cut it, and only {@code wait-timeout} bounds it.
 */
class LongWaitTest {
  private static final String WAIT =
      "{\"type\":\"WAIT_CONTAINER\",\"wait_container\":{\"container_id\":{\"value\":\"c1\"}}}";

  /** A test kit whose Pekko HTTP server times out idle connections and requests after 300ms. */
  private static ActorTestKit shortServerTimeouts() {
    return ActorTestKit.create(ConfigFactory.parseString(
        "pekko.http.server { idle-timeout = 300ms, request-timeout = 300ms }")
        .withFallback(ConfigFactory.load()));
  }

  @Test
  void aWaitOutlivesTheServersIdleAndRequestTimeouts() throws Exception {
    try (AgentFixture agent = new AgentFixture(HttpSettings.defaults(), shortServerTimeouts())) {
      CompletableFuture<HttpResponse<String>> response = agent.client.sendAsync(
          postWait(agent), HttpResponse.BodyHandlers.ofString());
      Containerizer.Wait wait = agent.fake.next(Containerizer.Wait.class, AgentFixture.TIMEOUT);
      // Three times the server's timeouts pass with the WAIT still open.
      assertThrows(TimeoutException.class, () -> response.get(900, TimeUnit.MILLISECONDS));
      wait.replyTo().tell(new Containerizer.Terminated(wait.id(),
          ContainerTermination.newBuilder().setStatus(15).build()));
      HttpResponse<String> r = response.get(AgentFixture.TIMEOUT.toMillis(),
          TimeUnit.MILLISECONDS);
      assertEquals(200, r.statusCode());
      assertEquals("{\"type\":\"WAIT_CONTAINER\",\"wait_container\":{\"exit_status\":15}}",
          r.body());
    }
  }

  @Test
  void aConfiguredIdleTimeoutDoesCutAWait() throws Exception {
    HttpSettings settings = HttpSettings.defaults()
        .withIdleTimeout(Optional.of(Duration.ofMillis(300)));
    try (AgentFixture agent = new AgentFixture(settings, shortServerTimeouts())) {
      CompletableFuture<HttpResponse<String>> response = agent.client.sendAsync(
          postWait(agent), HttpResponse.BodyHandlers.ofString());
      agent.fake.next(Containerizer.Wait.class, AgentFixture.TIMEOUT);
      ExecutionException cut = assertThrows(ExecutionException.class,
          () -> response.get(AgentFixture.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
      assertTrue(cut.getCause() instanceof java.io.IOException, cut.toString());
    }
  }

  @Test
  void aWaitWithoutTerminationWithinWaitTimeoutIs503() throws Exception {
    HttpSettings settings = HttpSettings.defaults().withWaitTimeout(Duration.ofMillis(300));
    try (AgentFixture agent = new AgentFixture(settings)) {
      HttpResponse<String> r = agent.send(agent.request("/api/v1")
          .header("Content-Type", "application/json").POST(BodyPublishers.ofString(WAIT)));
      assertEquals(503, r.statusCode());
      assertEquals("Failed to wait for container 'c1': no answer within 300ms", r.body());
    }
  }

  @Test
  void aSmallerBodyLimitIsHonouredAndAbuseBeyondTheDrainCapLeavesTheAgentUp() throws Exception {
    try (AgentFixture agent = new AgentFixture(HttpSettings.defaults().withMaxRequestBytes(1024))) {
      HttpResponse<String> r = agent.postJson("{\"type\":\"GET_HEALTH\",\"pad\":\""
          + "z".repeat(2048) + "\"}");
      assertEquals(413, r.statusCode());
      assertEquals("Failed to read request body: it exceeds the limit of 1024 bytes", r.body());
      try {
        // Far past the drain cap: the agent answers 413 at once and closes the connection, so
        // the client may see the 413 or a reset while it is still sending.
        HttpResponse<String> huge = agent.postJson("x".repeat(1024 * 1024));
        assertEquals(413, huge.statusCode());
      } catch (java.io.IOException reset) {
        // acceptable, see above
      }
      assertEquals(200, agent.postJson("{\"type\":\"GET_HEALTH\"}").statusCode());
    }
  }

  private static java.net.http.HttpRequest postWait(AgentFixture agent) {
    return agent.request("/api/v1")
        .timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json")
        .POST(BodyPublishers.ofString(WAIT))
        .build();
  }
}
