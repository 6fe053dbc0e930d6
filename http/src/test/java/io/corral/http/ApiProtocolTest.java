package io.corral.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.actors.Containerizer;
import io.corral.proto.v1.agent.Call;
import io.corral.proto.v1.agent.Response;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code /api/v1} transport: methods, content types, negotiation, decoding and validation. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiProtocolTest {
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
  }

  @Test
  void getIsMethodNotAllowedWithAllowPost() throws Exception {
    HttpResponse<String> r = agent.get("/api/v1");
    assertEquals(405, r.statusCode());
    assertEquals("POST", r.headers().firstValue("Allow").orElseThrow());
    assertEquals("Expecting one of { 'POST' }, but received 'GET'", r.body());
  }

  @Test
  void missingContentTypeIs400() throws Exception {
    HttpResponse<String> r = agent.send(agent.request("/api/v1")
        .POST(BodyPublishers.ofString("{\"type\":\"GET_HEALTH\"}")));
    assertEquals(400, r.statusCode(), r.body());
    assertEquals("Expecting 'Content-Type' to be present", r.body());
  }

  @ParameterizedTest
  @ValueSource(strings = {"text/plain", "application/json; charset=utf-8",
      "application/x-protobuf; proto=mesos.v1.agent.Call", "application/recordio",
      "application/octet-stream"})
  void otherContentTypesAre415(String contentType) throws Exception {
    HttpResponse<String> r = agent.send(agent.request("/api/v1")
        .header("Content-Type", contentType)
        .POST(BodyPublishers.ofString("{\"type\":\"GET_HEALTH\"}")));
    assertEquals(415, r.statusCode(), r.body());
    assertTrue(r.body().startsWith("Expecting 'Content-Type' of application/json or "
        + "application/x-protobuf"), r.body());
    assertEquals("request.media-type", r.headers().firstValue(ErrorMapping.CODE_HEADER).get());
  }

  @Test
  void messageContentTypeOnANonStreamingRequestIs415() throws Exception {
    HttpResponse<String> r = agent.send(agent.request("/api/v1")
        .header("Content-Type", "application/json")
        .header("Message-Content-Type", "application/json")
        .POST(BodyPublishers.ofString("{\"type\":\"GET_HEALTH\"}")));
    assertEquals(415, r.statusCode());
  }

  @Test
  void acceptWithoutJsonOrProtobufIs406() throws Exception {
    HttpResponse<String> r = agent.send(agent.request("/api/v1")
        .header("Content-Type", "application/json")
        .header("Accept", "text/html")
        .POST(BodyPublishers.ofString("{\"type\":\"GET_HEALTH\"}")));
    assertEquals(406, r.statusCode());
    assertEquals("Expecting 'Accept' to allow 'application/json' or 'application/x-protobuf'",
        r.body());
  }

  @Test
  void messageAcceptOnANonStreamingCallIs406() throws Exception {
    HttpResponse<String> r = agent.send(agent.request("/api/v1")
        .header("Content-Type", "application/json")
        .header("Message-Accept", "application/json")
        .POST(BodyPublishers.ofString("{\"type\":\"GET_HEALTH\"}")));
    assertEquals(406, r.statusCode());
  }

  @ParameterizedTest
  @ValueSource(strings = {"application/json", "*/*", "application/*",
      "text/html, application/json;q=0.5", "application/x-protobuf, application/json"})
  void acceptAllowingJsonAnswersJson(String accept) throws Exception {
    HttpResponse<String> r = agent.send(agent.request("/api/v1")
        .header("Content-Type", "application/json")
        .header("Accept", accept)
        .POST(BodyPublishers.ofString("{\"type\":\"GET_HEALTH\"}")));
    assertEquals(200, r.statusCode());
    assertEquals("application/json", r.headers().firstValue("Content-Type").orElseThrow());
    assertEquals("{\"type\":\"GET_HEALTH\",\"get_health\":{\"healthy\":true}}", r.body());
  }

  @ParameterizedTest
  @ValueSource(strings = {"application/x-protobuf", "application/json;q=0, */*",
      "application/x-protobuf, text/html"})
  void acceptAllowingOnlyProtobufAnswersProtobuf(String accept) throws Exception {
    HttpResponse<byte[]> r = agent.sendBytes(agent.request("/api/v1")
        .header("Content-Type", "application/x-protobuf")
        .header("Accept", accept)
        .POST(BodyPublishers.ofByteArray(
            Call.newBuilder().setType(Call.Type.GET_HEALTH).build().toByteArray())));
    assertEquals(200, r.statusCode());
    assertEquals("application/x-protobuf", r.headers().firstValue("Content-Type").orElseThrow());
    Response response = Response.parseFrom(r.body());
    assertEquals(Response.Type.GET_HEALTH, response.getType());
    assertTrue(response.getGetHealth().getHealthy());
  }

  @Test
  void getVersionAnswersTheMesosVersionAndBuildInfo() throws Exception {
    HttpResponse<String> r = agent.postJson("{\"type\":\"GET_VERSION\"}");
    assertEquals(200, r.statusCode());
    assertEquals("{\"type\":\"GET_VERSION\",\"get_version\":{\"version_info\":{"
        + "\"version\":\"1.11.0\",\"build_date\":\"2026-11-25 19:30:50\","
        + "\"build_time\":1764099050.0,\"build_user\":\"builder\","
        + "\"git_tag\":\"0.1.0-test\"}}}", r.body());
  }

  @Test
  void getFlagsAnswersEveryFlagAsAString() throws Exception {
    HttpResponse<String> r = agent.postJson("{\"type\":\"GET_FLAGS\"}");
    assertEquals(200, r.statusCode());
    assertEquals("{\"type\":\"GET_FLAGS\",\"get_flags\":{\"flags\":["
        + "{\"name\":\"isolation\",\"value\":\"posix/cpu,posix/mem\"},"
        + "{\"name\":\"container_disk_watch_interval\",\"value\":\"15secs\"},"
        + "{\"name\":\"enforce_container_disk_quota\",\"value\":\"false\"}]}}", r.body());
  }

  @Test
  void getVersionInProtobuf() throws Exception {
    HttpResponse<byte[]> r = agent.sendBytes(agent.request("/api/v1")
        .header("Content-Type", "application/x-protobuf")
        .header("Accept", "application/x-protobuf")
        .POST(BodyPublishers.ofByteArray(
            Call.newBuilder().setType(Call.Type.GET_VERSION).build().toByteArray())));
    assertEquals("1.11.0",
        Response.parseFrom(r.body()).getGetVersion().getVersionInfo().getVersion());
  }

  @Test
  void malformedJsonIs400WithTheParsersMessage() throws Exception {
    HttpResponse<String> r = agent.postJson("{\"type\": \"GET_HEALTH\",");
    assertEquals(400, r.statusCode());
    assertTrue(r.body().startsWith("Failed to convert JSON into Call protobuf: "), r.body());
    assertTrue(r.body().length() > "Failed to convert JSON into Call protobuf: ".length());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "[]", "42", "\"GET_HEALTH\"", "{\"type\": 1.5e400}",
      "{\"get_health\": 7}"})
  void jsonThatIsNotACallIs400(String body) throws Exception {
    HttpResponse<String> r = agent.postJson(body);
    assertEquals(400, r.statusCode(), r.body());
  }

  @Test
  void garbageProtobufIs400() throws Exception {
    HttpResponse<String> r = agent.send(agent.request("/api/v1")
        .header("Content-Type", "application/x-protobuf")
        .POST(BodyPublishers.ofByteArray(new byte[] {(byte) 0xff, (byte) 0xff, 0x01, 0x7f})));
    assertEquals(400, r.statusCode());
    assertTrue(r.body().startsWith("Failed to parse body into Call protobuf: "), r.body());
  }

  @Test
  void protobufMissingARequiredFieldIs400() throws Exception {
    byte[] body = Call.newBuilder()
        .setType(Call.Type.WAIT_CONTAINER)
        .setWaitContainer(Call.WaitContainer.getDefaultInstance().toBuilder().buildPartial())
        .buildPartial()
        .toByteArray();
    HttpResponse<String> r = agent.send(agent.request("/api/v1")
        .header("Content-Type", "application/x-protobuf")
        .POST(BodyPublishers.ofByteArray(body)));
    assertEquals(400, r.statusCode());
    assertTrue(r.body().contains("wait_container.container_id"), r.body());
  }

  @Test
  void missingTypeIs400() throws Exception {
    HttpResponse<String> r = agent.postJson("{}");
    assertEquals(400, r.statusCode());
    assertEquals("Failed to validate agent::Call: Expecting 'type' to be present", r.body());
  }

  @Test
  void unknownEnumNameIsDroppedSoTheTypeIsMissing() throws Exception {
    HttpResponse<String> r = agent.postJson("{\"type\":\"NO_SUCH\"}");
    assertEquals(400, r.statusCode());
    assertEquals("Failed to validate agent::Call: Expecting 'type' to be present", r.body());
  }

  @Test
  void unknownTypeIs501() throws Exception {
    HttpResponse<String> r = agent.postJson("{\"type\":\"UNKNOWN\"}");
    assertEquals(501, r.statusCode());
    assertEquals("Call type 'UNKNOWN' is not implemented", r.body());
  }

  @ParameterizedTest
  @ValueSource(strings = {"GET_STATE", "GET_FRAMEWORKS", "LAUNCH_NESTED_CONTAINER",
      "WAIT_NESTED_CONTAINER", "ATTACH_CONTAINER_OUTPUT", "GET_EXECUTORS"})
  void knownButUnservedTypesAre501(String type) throws Exception {
    HttpResponse<String> r = agent.postJson("{\"type\":\"" + type + "\"}");
    assertEquals(501, r.statusCode());
    assertEquals("Call type '" + type + "' is not supported", r.body());
    assertTrue(agent.fake.received.isEmpty());
  }

  @Test
  void pruneImagesAsksTheContainerizerWithTheExcludedImages() throws Exception {
    HttpResponse<String> r = agent.postJson("{\"type\":\"PRUNE_IMAGES\",\"prune_images\":{\"excluded_images\":"
        + "[{\"type\":\"DOCKER\",\"docker\":{\"name\":\"busybox:keep\"}}]}}");
    assertEquals(200, r.statusCode(), r.body());
    Containerizer.PruneImages prune = agent.fake.next(Containerizer.PruneImages.class, java.time.Duration.ofSeconds(5));
    assertEquals("busybox:keep", prune.excluded().get(0).getDocker().getName());
  }

  @ParameterizedTest
  @ValueSource(strings = {"launch_container", "wait_container", "kill_container",
      "remove_container"})
  void missingSubMessageIs400NamingIt(String field) throws Exception {
    HttpResponse<String> r = agent.postJson(
        "{\"type\":\"" + field.toUpperCase(java.util.Locale.ROOT) + "\"}");
    assertEquals(400, r.statusCode());
    assertEquals("Failed to validate agent::Call: Expecting '" + field + "' to be present",
        r.body());
  }

  @Test
  void missingRequiredFieldInJsonIs400() throws Exception {
    HttpResponse<String> r = agent.postJson("{\"type\":\"WAIT_CONTAINER\",\"wait_container\":{}}");
    assertEquals(400, r.statusCode());
    assertEquals("Failed to convert JSON into Call protobuf: Message missing required fields: "
        + "container_id", r.body());
  }

  @ParameterizedTest
  @ValueSource(strings = {"a.b", "a b", "a/b", "", "tab\there"})
  void invalidContainerIdIs400(String id) throws Exception {
    HttpResponse<String> r = agent.postJson("{\"type\":\"KILL_CONTAINER\",\"kill_container\":"
        + "{\"container_id\":{\"value\":\"" + id.replace("\t", "\\t") + "\"}}}");
    assertEquals(400, r.statusCode());
    assertTrue(r.body().startsWith(
        "Failed to validate agent::Call: 'kill_container.container_id' is invalid: "), r.body());
    assertTrue(agent.fake.received.isEmpty());
  }

  @Test
  void overlongContainerIdIs400() throws Exception {
    String id = "x".repeat(CallValidation.MAX_ID_LENGTH + 1);
    HttpResponse<String> r = agent.postJson("{\"type\":\"LAUNCH_CONTAINER\",\"launch_container\":"
        + "{\"container_id\":{\"value\":\"" + id + "\"}}}");
    assertEquals(400, r.statusCode());
    assertEquals("Failed to validate agent::Call: 'launch_container.container_id' is invalid: "
        + "ID must not be greater than 255 characters", r.body());
  }

  @Test
  void invalidParentContainerIdIs400() throws Exception {
    HttpResponse<String> r = agent.postJson("{\"type\":\"WAIT_CONTAINER\",\"wait_container\":"
        + "{\"container_id\":{\"value\":\"child\",\"parent\":{\"value\":\"..\"}}}}");
    assertEquals(400, r.statusCode());
    assertTrue(r.body().endsWith("'.' is disallowed"), r.body());
  }

  @Test
  void dockerContainerInfoIs400() throws Exception {
    HttpResponse<String> r = agent.postJson("{\"type\":\"LAUNCH_CONTAINER\",\"launch_container\":"
        + "{\"container_id\":{\"value\":\"c1\"},\"container\":{\"type\":\"DOCKER\"}}}");
    assertEquals(400, r.statusCode());
    assertEquals("Failed to validate agent::Call: The provided ContainerInfo is not supported",
        r.body());
  }

  @Test
  void unknownKeysAreIgnored() throws Exception {
    HttpResponse<String> r = agent.postJson(
        "{\"type\":\"GET_HEALTH\",\"no_such_key\":{\"a\":[1,2]},\"get_health\":{\"x\":1}}");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("{\"type\":\"GET_HEALTH\",\"get_health\":{\"healthy\":true}}", r.body());
  }

  @Test
  void theApiIsAlsoServedUnderSlave1() throws Exception {
    HttpResponse<String> r = agent.send(agent.request("/slave(1)/api/v1")
        .header("Content-Type", "application/json")
        .POST(BodyPublishers.ofString("{\"type\":\"GET_HEALTH\"}")));
    assertEquals(200, r.statusCode());
    assertEquals("{\"type\":\"GET_HEALTH\",\"get_health\":{\"healthy\":true}}", r.body());
  }

  @Test
  void whileRecoveringEveryCallIs503() throws Exception {
    agent.ready.set(false);
    HttpResponse<String> r = agent.postJson("{\"type\":\"GET_HEALTH\"}");
    assertEquals(503, r.statusCode());
    assertEquals("Agent has not finished recovery", r.body());
    agent.ready.set(true);
    assertEquals(200, agent.postJson("{\"type\":\"GET_HEALTH\"}").statusCode());
  }
}
