package io.corral.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Oversized bodies are refused with 413 and the agent keeps serving. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BodyLimitTest {
  private static final int TWENTY_MB = 20 * 1024 * 1024;
  private AgentFixture agent;

  @BeforeAll
  void start() throws Exception {
    agent = new AgentFixture();
  }

  @AfterAll
  void stop() {
    agent.close();
  }

  @Test
  void twentyMegabytesWithContentLengthIs413AndTheAgentStillAnswers() throws Exception {
    byte[] body = new byte[TWENTY_MB];
    Arrays.fill(body, (byte) 'x');
    HttpResponse<String> r = agent.send(agent.request("/api/v1")
        .header("Content-Type", "application/json")
        .POST(BodyPublishers.ofByteArray(body)));
    assertEquals(413, r.statusCode());
    assertEquals("Failed to read request body: it exceeds the limit of 8388608 bytes", r.body());
    assertEquals("request.too-large", r.headers().firstValue(ErrorMapping.CODE_HEADER).get());
    assertHealthy();
  }

  @Test
  void twentyMegabytesChunkedIs413AndTheAgentStillAnswers() throws Exception {
    byte[] body = new byte[TWENTY_MB];
    Arrays.fill(body, (byte) 'x');
    HttpResponse<String> r = agent.send(agent.request("/api/v1")
        .header("Content-Type", "application/x-protobuf")
        .POST(BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))));
    assertEquals(413, r.statusCode());
    assertTrue(r.body().contains("exceeds the limit of 8388608 bytes"), r.body());
    assertHealthy();
  }

  @Test
  void aBodyJustUnderTheLimitIsReadAndParsed() throws Exception {
    StringBuilder json = new StringBuilder("{\"type\":\"GET_HEALTH\",\"pad\":\"");
    json.append("y".repeat(8 * 1024 * 1024 - 100)).append("\"}");
    HttpResponse<String> r = agent.postJson(json.toString());
    assertEquals(200, r.statusCode(), r.body());
  }

  @Test
  void aLargeBodyWithTheWrongContentTypeStillGetsIts415() throws Exception {
    byte[] body = new byte[TWENTY_MB];
    HttpResponse<String> r = agent.send(agent.request("/api/v1")
        .header("Content-Type", "text/plain")
        .POST(BodyPublishers.ofByteArray(body)));
    assertEquals(415, r.statusCode());
    assertHealthy();
  }

  private void assertHealthy() throws Exception {
    HttpResponse<String> health = agent.postJson("{\"type\":\"GET_HEALTH\"}");
    assertEquals(200, health.statusCode());
    assertEquals("{\"type\":\"GET_HEALTH\",\"get_health\":{\"healthy\":true}}", health.body());
  }
}
