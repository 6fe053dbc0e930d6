package io.corral.it;

import static io.corral.it.support.AgentClient.JSON;
import static io.corral.it.support.AgentClient.PROTOBUF;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.it.support.AgentClient;
import io.corral.it.support.AgentProcess;
import io.corral.it.support.Host;
import io.corral.it.support.Host.Proc;
import io.corral.proto.v1.agent.Response;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every kind of bad input gets a clear 4xx/5xx answer, and nothing else happens: a
 * neighbour container launched before the first test keeps running with the same init (checked
 * after every test), the agent keeps answering GET_HEALTH, and no directory is left for a
 * container that was refused.
 */
@Tag("root")
class BadInputIT {
  private static final String NEIGHBOUR = "neighbour";
  private static AgentProcess agent;
  private static AgentClient client;
  private static Proc neighbourInit;

  @BeforeAll
  static void startAgentAndNeighbour() {
    assumeTrue(Host.isRoot(), "needs root: real namespaces");
    agent = AgentProcess.start(AgentProcess.FULL_ISOLATION);
    client = agent.client();
    assertEquals(200, client.launch(NEIGHBOUR, "sleep 1000"), agent.logTail());
    int pid = client.container(NEIGHBOUR).orElseThrow().getContainerStatus().getExecutorPid();
    neighbourInit = Host.read(pid);
    assertTrue(neighbourInit != null && neighbourInit.running(), "neighbour's init " + pid);
  }

  @AfterEach
  void neighbourIsUntouchedAndAgentAnswers() {
    assertTrue(agent.isAlive(), "the agent process died\n" + agent.logTail());
    assertTrue(client.healthy(), "GET_HEALTH answers healthy");
    Response.GetContainers.Container n = client.container(NEIGHBOUR)
        .orElseThrow(() -> new AssertionError("the neighbour is no longer listed: " + client.containers()));
    assertEquals(neighbourInit.pid(), n.getContainerStatus().getExecutorPid(), "the neighbour's executor_pid");
    assertTrue(neighbourInit.running(), "the neighbour's init " + neighbourInit + " still runs");
    // Every test removed what it launched: only the neighbour has directories.
    assertEquals(Set.of(NEIGHBOUR), Host.entries(agent.workDir().resolve("containers")), "work_dir/containers");
    assertEquals(Set.of(NEIGHBOUR), Host.entries(agent.runtimeDir().resolve("containers")),
        "runtime_dir/containers");
  }

  @AfterAll
  static void stopAll() {
    if (agent != null) {
      client.destroy(NEIGHBOUR);
      agent.close();
    }
  }

  // ------------------------------------------------------------ undecodable and invalid calls

  @Test
  void malformedJsonIs400() {
    assertEquals(400, client.postJson("{\"type\":\"GET_HEALTH\",").statusCode());
  }

  @Test
  void garbageProtobufIs400() {
    byte[] garbage = new byte[64];
    Arrays.fill(garbage, (byte) 0xff);
    assertEquals(400, client.post(garbage, PROTOBUF, PROTOBUF).statusCode());
  }

  @Test
  void unknownCallTypeIs400() {
    // An unknown enum name is dropped, as proto2 does: the call has no type, and that is invalid.
    assertEquals(400, client.postJson("{\"type\":\"NO_SUCH\"}").statusCode());
  }

  @Test
  void typeUnknownIs501() {
    assertEquals(501, client.postJson("{\"type\":\"UNKNOWN\"}").statusCode());
  }

  @Test
  void missingSubMessageIs400() {
    HttpResponse<String> r = client.postJson("{\"type\":\"WAIT_CONTAINER\"}");
    assertEquals(400, r.statusCode(), r.body());
    assertTrue(r.body().contains("wait_container"), "the message names the missing field: " + r.body());
  }

  @ParameterizedTest(name = "id ''{0}''")
  @ValueSource(strings = {".", "..", "a/b", "a b", "../escape"})
  void invalidContainerIdIs400AndCreatesNothing(String id) {
    assertInvalidIdRefused(id);
  }

  @Test
  void overlongContainerIdIs400AndCreatesNothing() {
    assertInvalidIdRefused("x".repeat(300));
  }

  private static void assertInvalidIdRefused(String id) {
    Set<String> work = Host.entries(agent.workDir().resolve("containers"));
    Set<String> runtime = Host.entries(agent.runtimeDir().resolve("containers"));
    HttpResponse<String> r = client.postJson(AgentClient.launchJson(id, "exit 0"));
    assertEquals(400, r.statusCode(), r.body());
    assertEquals(work, Host.entries(agent.workDir().resolve("containers")), "work_dir/containers");
    assertEquals(runtime, Host.entries(agent.runtimeDir().resolve("containers")), "runtime_dir/containers");
    assertTrue(Files.notExists(agent.workDir().resolve("escape")), "nothing outside containers/");
  }

  /**
   * A request field no isolator honours is refused at LAUNCH naming it (a container that asked
   * for an image must not run on the host's root filesystem); nothing is created for it.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "container.mesos.image | \"container\":{\"type\":\"MESOS\",\"mesos\":{\"image\":{\"type\":\"DOCKER\",\"docker\":{\"name\":\"alpine\"}}}}",
      "container.docker | \"container\":{\"type\":\"MESOS\",\"docker\":{\"image\":\"alpine\"}}",
      "container.network_infos | \"container\":{\"type\":\"MESOS\",\"network_infos\":[{\"name\":\"net1\"}]}",
      "container.hostname | \"container\":{\"type\":\"MESOS\",\"hostname\":\"box\"}",
      "container.tty_info | \"container\":{\"type\":\"MESOS\",\"tty_info\":{}}",
      "container.linux_info.seccomp | \"container\":{\"type\":\"MESOS\",\"linux_info\":{\"seccomp\":{\"unconfined\":true}}}"})
  void unsupportedFieldIs400NamingItAndCreatesNothing(String field, String container) {
    String id = "unsupported-" + field.replace('.', '-').replace('_', '-');
    HttpResponse<String> r = client.postJson(AgentClient.launchJsonRaw("\"container_id\":{\"value\":\""
        + id + "\"},\"command\":{\"value\":\"touch /tmp/" + id + "\"}," + container));
    assertEquals(400, r.statusCode(), r.body());
    assertTrue(r.body().contains("'" + field + "'"), "the message names the field: " + r.body());
    assertTrue(client.container(id).isEmpty(), "not listed by GET_CONTAINERS");
    assertEquals(404, client.waitRaw(id).statusCode(), "unknown to WAIT");
    assertTrue(Files.notExists(java.nio.file.Path.of("/tmp", id)), "the command never ran");
  }

  @ParameterizedTest(name = "{0} of ''..''")
  @ValueSource(strings = {"WAIT_CONTAINER", "KILL_CONTAINER", "REMOVE_CONTAINER"})
  void invalidIdInOtherCallsIs400AndDeletesNothing(String type) {
    // '..' would name <work_dir>/containers/.. = <work_dir> itself if it reached a path.
    HttpResponse<String> r = client.postJson(AgentClient.idCallJson(type, ".."));
    assertEquals(400, r.statusCode(), r.body());
    r = client.postJson(AgentClient.idCallJson(type, "../containers/" + NEIGHBOUR));
    assertEquals(400, r.statusCode(), r.body());
    assertTrue(Files.isDirectory(agent.sandbox(NEIGHBOUR)), "the neighbour's sandbox is intact");
  }

  // ------------------------------------------------------------ calls in the wrong state

  @Test
  void duplicateLaunchOfARunningIdIs202AndLeavesItAlone() {
    // The @AfterEach check proves the running neighbour kept its init (MESOS-6214).
    assertEquals(202, client.launch(NEIGHBOUR, "exit 7"));
    assertEquals(202, client.launch(NEIGHBOUR, "exit 7"), "every duplicate gets 202");
  }

  @Test
  void removeTwiceIs404AndTheIdCanBeUsedAgain() {
    assertEquals(200, client.launch("again", "exit 1"));
    assertEquals(256, client.waitFor("again").getExitStatus());
    // Until REMOVE the id is still known: a LAUNCH is 202 and the termination is unchanged.
    assertEquals(202, client.launch("again", "exit 2"));
    assertEquals(256, client.waitFor("again").getExitStatus());
    assertEquals(200, client.remove("again"));
    assertEquals(404, client.remove("again"), "a second REMOVE: the container is unknown");
    assertEquals(200, client.launch("again", "exit 2"), "a removed id is free again");
    assertEquals(512, client.waitFor("again").getExitStatus(), "the new container's own status");
    assertEquals(200, client.remove("again"));
  }

  @Test
  void waitOnUnknownIdIs404() {
    assertEquals(404, client.waitRaw("no-such-container").statusCode());
  }

  @Test
  void killOnUnknownIdIs404() {
    assertEquals(404, client.kill("no-such-container"));
  }

  @Test
  void removeOfARunningContainerIsAnError() {
    int status = client.remove(NEIGHBOUR);
    assertTrue(status >= 400 && status < 600, "REMOVE of a running container answered " + status);
    assertTrue(Files.isDirectory(agent.sandbox(NEIGHBOUR)), "the running container's sandbox is kept");
  }

  // ------------------------------------------------------------ oversize and wrong media types

  @Test
  void twentyMegabyteBodyIs413() {
    byte[] body = ("{\"type\":\"GET_HEALTH\",\"padding\":\"" + "a".repeat(20 * 1024 * 1024) + "\"}")
        .getBytes(StandardCharsets.UTF_8);
    assertEquals(413, client.post(body, JSON, JSON).statusCode());
  }

  @Test
  void twentyMegabyteProtobufBodyIs413() {
    byte[] body = new byte[20 * 1024 * 1024];
    Arrays.fill(body, (byte) 0x0a);
    assertEquals(413, client.post(body, PROTOBUF, PROTOBUF).statusCode());
  }

  @Test
  void textPlainIs415() {
    assertEquals(415, client.post("{\"type\":\"GET_HEALTH\"}".getBytes(StandardCharsets.UTF_8),
        "text/plain", JSON).statusCode());
  }

  @Test
  void jsonWithCharsetIs415AsInMesos() {
    assertEquals(415, client.post("{\"type\":\"GET_HEALTH\"}".getBytes(StandardCharsets.UTF_8),
        "application/json; charset=utf-8", JSON).statusCode());
  }

  @Test
  void missingContentTypeIs400() {
    assertEquals(400, client.post("{\"type\":\"GET_HEALTH\"}".getBytes(StandardCharsets.UTF_8),
        null, JSON).statusCode());
  }

  @Test
  void acceptTextHtmlIs406() {
    assertEquals(406, client.post("{\"type\":\"GET_HEALTH\"}".getBytes(StandardCharsets.UTF_8),
        JSON, "text/html").statusCode());
  }

  @Test
  void getOnApiIs405() {
    assertEquals(405, client.request("GET", "/api/v1").statusCode());
  }

  // ------------------------------------------------------------ launches that fail

  @Test
  void missingExecutableIs400AndWaitNamesIt() {
    String id = "nobinary";
    HttpResponse<String> launched = client.postJson(AgentClient.launchJsonRaw(
        "\"container_id\":{\"value\":\"" + id + "\"},"
            + "\"command\":{\"shell\":false,\"value\":\"/no/such/binary\",\"arguments\":[\"/no/such/binary\"]}"));
    assertEquals(400, launched.statusCode(), launched.body());
    assertTrue(launched.body().contains("'/no/such/binary'"), "LAUNCH names the executable: " + launched.body());

    Response.WaitContainer wait = client.waitFor(id);
    assertTrue(wait.getMessage().contains("'/no/such/binary'"), "WAIT message: " + wait);
    assertEquals(io.corral.proto.v1.TaskStatus.Reason.REASON_CONTAINER_LAUNCH_FAILED, wait.getReason(),
        "WAIT: " + wait);
    assertEquals(200, client.remove(id));
    assertNothingLeftFor(id);
  }

  @Test
  void failingPrepareIs400NamingTheIsolator() {
    // filesystem/posix refuses volumes (they need a mount namespace, i.e. filesystem/linux).
    String id = "withvolume";
    HttpResponse<String> launched = client.postJson(AgentClient.launchJsonRaw(
        "\"container_id\":{\"value\":\"" + id + "\"},\"command\":{\"value\":\"exit 0\"},"
            + "\"container\":{\"type\":\"MESOS\",\"volumes\":[{\"container_path\":\"/mnt\","
            + "\"host_path\":\"/tmp\",\"mode\":\"RW\"}]}"));
    assertEquals(400, launched.statusCode(), launched.body());
    assertTrue(launched.body().contains("filesystem/posix"), "LAUNCH names the isolator: " + launched.body());

    // The failed launch is a termination like any other, kept until REMOVE.
    Response.WaitContainer wait = client.waitFor(id);
    assertEquals(io.corral.proto.v1.TaskStatus.Reason.REASON_CONTAINER_LAUNCH_FAILED, wait.getReason(),
        "WAIT: " + wait);
    assertTrue(wait.getMessage().contains("filesystem/posix"), "WAIT names the isolator: " + wait);
    assertEquals(200, client.remove(id));
    assertNothingLeftFor(id);
  }

  @Test
  void dockerContainerInfoIs400() {
    HttpResponse<String> launched = client.postJson(AgentClient.launchJsonRaw(
        "\"container_id\":{\"value\":\"docker\"},\"command\":{\"value\":\"exit 0\"},"
            + "\"container\":{\"type\":\"DOCKER\"}"));
    assertEquals(400, launched.statusCode(), launched.body());
    client.remove("docker");
    assertNothingLeftFor("docker");
  }

  private static void assertNothingLeftFor(String id) {
    assertTrue(Files.notExists(agent.sandbox(id)), "sandbox of '" + id + "' removed");
    assertTrue(Files.notExists(agent.runtimeDir().resolve("containers").resolve(id)),
        "runtime dir of '" + id + "' removed");
    assertEquals(404, client.waitRaw(id).statusCode(), "WAIT after REMOVE");
  }
}
