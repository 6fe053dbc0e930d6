package io.corral.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.actors.ContainerError;
import io.corral.actors.Containerizer;
import io.corral.actors.ContainerState;
import io.corral.isolators.Phase;
import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.ContainerStatus;
import io.corral.proto.v1.ContainerTermination;
import io.corral.proto.v1.Resource;
import io.corral.proto.v1.ResourceStatistics;
import io.corral.proto.v1.TaskState;
import io.corral.proto.v1.TaskStatus;
import io.corral.proto.v1.Value;
import io.corral.proto.v1.agent.Call;
import io.corral.proto.v1.agent.Response;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The served container calls against a fake containerizer: what is asked, what is answered. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ContainerCallsTest {
  private static final ContainerID C1 = ContainerID.newBuilder().setValue("c1").build();
  private static final String LAUNCH = "{\"type\":\"LAUNCH_CONTAINER\",\"launch_container\":{"
      + "\"container_id\":{\"value\":\"c1\"},"
      + "\"command\":{\"value\":\"exit 3\",\"environment\":{\"variables\":[{\"name\":\"A\","
      + "\"value\":\"b\"}]}},"
      + "\"resources\":[{\"name\":\"mem\",\"type\":\"SCALAR\",\"scalar\":{\"value\":64}}],"
      + "\"container\":{\"type\":\"MESOS\",\"rlimit_info\":{\"rlimits\":[{\"type\":\"RLMT_NOFILE\","
      + "\"soft\":\"1024\",\"hard\":4096}]}},"
      + "\"limits\":{\"cpus\":{\"value\":1.5}}}}";
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
  }

  @Test
  void launchIs200EmptyAndAsksWithTheDecodedRequest() throws Exception {
    HttpResponse<String> r = agent.postJson(LAUNCH);
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("", r.body());
    Containerizer.Launch launch = agent.fake.next(Containerizer.Launch.class, AgentFixture.TIMEOUT);
    assertNull(launch.stdio());
    Call.LaunchContainer request = launch.request();
    assertEquals("c1", request.getContainerId().getValue());
    assertEquals("exit 3", request.getCommand().getValue());
    assertEquals("b", request.getCommand().getEnvironment().getVariables(0).getValue());
    assertEquals(64.0, request.getResources(0).getScalar().getValue());
    assertEquals(1024, request.getContainer().getRlimitInfo().getRlimits(0).getSoft());
    assertEquals(4096, request.getContainer().getRlimitInfo().getRlimits(0).getHard());
    assertEquals(1.5, request.getLimitsOrThrow("cpus").getValue());
  }

  @Test
  void launchAcceptsLowerCamelKeys() throws Exception {
    HttpResponse<String> r = agent.postJson("{\"type\":\"LAUNCH_CONTAINER\",\"launchContainer\":"
        + "{\"containerId\":{\"value\":\"c1\"},\"command\":{\"value\":\"true\"}}}");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(C1, agent.fake.next(Containerizer.Launch.class, AgentFixture.TIMEOUT)
        .request().getContainerId());
  }

  @Test
  void launchInProtobufIsTheSameCall() throws Exception {
    Call call = Call.newBuilder().setType(Call.Type.LAUNCH_CONTAINER)
        .setLaunchContainer(Call.LaunchContainer.newBuilder().setContainerId(C1)
            .addResources(Resource.newBuilder().setName("cpus").setType(Value.Type.SCALAR)
                .setScalar(Value.Scalar.newBuilder().setValue(0.5))))
        .build();
    HttpResponse<String> r = agent.send(agent.request("/api/v1")
        .header("Content-Type", "application/x-protobuf")
        .header("Accept", "application/x-protobuf")
        .POST(BodyPublishers.ofByteArray(call.toByteArray())));
    assertEquals(200, r.statusCode());
    assertEquals(call.getLaunchContainer(),
        agent.fake.next(Containerizer.Launch.class, AgentFixture.TIMEOUT).request());
  }

  @Test
  void duplicateLaunchIs202Empty() throws Exception {
    agent.fake.onLaunch = m -> new Containerizer.AlreadyLaunched(m.request().getContainerId());
    HttpResponse<String> r = agent.postJson(LAUNCH);
    assertEquals(202, r.statusCode());
    assertEquals("", r.body());
    agent.fake.onLaunch = m -> new Containerizer.Rejected(new ContainerError.AlreadyExists(C1));
    assertEquals(202, agent.postJson(LAUNCH).statusCode());
  }

  @Test
  void failedLaunchesAre400WithTheMessage() throws Exception {
    agent.fake.onLaunch = m -> new Containerizer.Rejected(
        new ContainerError.LaunchFailed("exec 'nosuch': ENOENT (No such file or directory)"));
    HttpResponse<String> r = agent.postJson(LAUNCH);
    assertEquals(400, r.statusCode());
    assertEquals("Failed to launch container: exec 'nosuch': ENOENT (No such file or directory)",
        r.body());
    assertEquals("container.launch-failed",
        r.headers().firstValue(ErrorMapping.CODE_HEADER).get());

    agent.fake.onLaunch = m -> new Containerizer.Rejected(
        new ContainerError.IsolatorFailed("posix/cpu", Phase.PREPARE, "boom"));
    assertEquals(400, agent.postJson(LAUNCH).statusCode());
    agent.fake.onLaunch = m -> new Containerizer.Rejected(
        new ContainerError.InvalidRequest("Invalid resources: 'mem' must be positive"));
    HttpResponse<String> invalid = agent.postJson(LAUNCH);
    assertEquals(400, invalid.statusCode());
    assertEquals("Invalid resources: 'mem' must be positive", invalid.body());
    agent.fake.onLaunch = m -> new Containerizer.Rejected(
        new ContainerError.Internal("Failed to create sandbox '/w/c1': EACCES"));
    assertEquals(500, agent.postJson(LAUNCH).statusCode());
  }

  @Test
  void waitAnswersTheExitStatusAsANumber() throws Exception {
    agent.fake.onWait = m -> new Containerizer.Terminated(m.id(),
        ContainerTermination.newBuilder().setStatus(768).build());
    HttpResponse<String> r = agent.postJson(
        "{\"type\":\"WAIT_CONTAINER\",\"wait_container\":{\"container_id\":{\"value\":\"c1\"}}}");
    assertEquals(200, r.statusCode());
    assertEquals("application/json", r.headers().firstValue("Content-Type").get());
    assertEquals("{\"type\":\"WAIT_CONTAINER\",\"wait_container\":{\"exit_status\":768}}",
        r.body());
    assertEquals(C1, agent.fake.next(Containerizer.Wait.class, AgentFixture.TIMEOUT).id());
  }

  @Test
  void waitMapsALimitation() throws Exception {
    Resource mem = Resource.newBuilder().setName("mem").setType(Value.Type.SCALAR)
        .setScalar(Value.Scalar.newBuilder().setValue(64)).build();
    agent.fake.onWait = m -> new Containerizer.Terminated(m.id(), ContainerTermination.newBuilder()
        .setStatus(9).setState(TaskState.TASK_FAILED)
        .setReason(TaskStatus.Reason.REASON_CONTAINER_LIMITATION_MEMORY)
        .addLimitedResources(mem).setMessage("Memory limit exceeded: Requested: 64MB").build());
    HttpResponse<String> r = agent.postJson(
        "{\"type\":\"WAIT_CONTAINER\",\"wait_container\":{\"container_id\":{\"value\":\"c1\"}}}");
    assertEquals("{\"type\":\"WAIT_CONTAINER\",\"wait_container\":{\"exit_status\":9,"
        + "\"state\":\"TASK_FAILED\",\"reason\":\"REASON_CONTAINER_LIMITATION_MEMORY\","
        + "\"limitation\":{\"resources\":[{\"name\":\"mem\",\"type\":\"SCALAR\","
        + "\"scalar\":{\"value\":64.0}}]},"
        + "\"message\":\"Memory limit exceeded: Requested: 64MB\"}}", r.body());
  }

  @Test
  void waitInProtobufDecodesIntoResponse() throws Exception {
    agent.fake.onWait = m -> new Containerizer.Terminated(m.id(),
        ContainerTermination.newBuilder().setStatus(15).build());
    HttpResponse<byte[]> r = agent.sendBytes(agent.request("/api/v1")
        .header("Content-Type", "application/json")
        .header("Accept", "application/x-protobuf")
        .POST(BodyPublishers.ofString("{\"type\":\"WAIT_CONTAINER\",\"wait_container\":"
            + "{\"container_id\":{\"value\":\"c1\"}}}")));
    assertEquals(200, r.statusCode());
    Response response = Response.parseFrom(r.body());
    assertEquals(Response.Type.WAIT_CONTAINER, response.getType());
    assertEquals(15, response.getWaitContainer().getExitStatus());
  }

  @Test
  void waitOnAnUnknownContainerIs404() throws Exception {
    agent.fake.onWait = m -> new Containerizer.Rejected(new ContainerError.NotFound(m.id()));
    HttpResponse<String> r = agent.postJson(
        "{\"type\":\"WAIT_CONTAINER\",\"wait_container\":{\"container_id\":{\"value\":\"c1\"}}}");
    assertEquals(404, r.statusCode());
    assertEquals("Container 'c1' cannot be found", r.body());
    assertEquals("container.notfound", r.headers().firstValue(ErrorMapping.CODE_HEADER).get());
  }

  @Test
  void killDefaultsToSigkill() throws Exception {
    HttpResponse<String> r = agent.postJson(
        "{\"type\":\"KILL_CONTAINER\",\"kill_container\":{\"container_id\":{\"value\":\"c1\"}}}");
    assertEquals(200, r.statusCode());
    assertEquals("", r.body());
    Containerizer.Kill kill = agent.fake.next(Containerizer.Kill.class, AgentFixture.TIMEOUT);
    assertEquals(C1, kill.id());
    assertEquals(9, kill.signal());
  }

  @Test
  void killPassesTheSignalGivenAsNumberOrString() throws Exception {
    agent.postJson("{\"type\":\"KILL_CONTAINER\",\"kill_container\":"
        + "{\"container_id\":{\"value\":\"c1\"},\"signal\":15}}");
    assertEquals(15, agent.fake.next(Containerizer.Kill.class, AgentFixture.TIMEOUT).signal());
    agent.postJson("{\"type\":\"KILL_CONTAINER\",\"kill_container\":"
        + "{\"container_id\":{\"value\":\"c1\"},\"signal\":\"1\"}}");
    assertEquals(1, agent.fake.next(Containerizer.Kill.class, AgentFixture.TIMEOUT).signal());
  }

  @Test
  void killOfAnUnknownContainerIs404() throws Exception {
    agent.fake.onKill = m -> new Containerizer.Rejected(new ContainerError.NotFound(m.id()));
    HttpResponse<String> r = agent.postJson(
        "{\"type\":\"KILL_CONTAINER\",\"kill_container\":{\"container_id\":{\"value\":\"c1\"}}}");
    assertEquals(404, r.statusCode());
  }

  @Test
  void removeIs200EmptyAnd409WhileRunning() throws Exception {
    String remove = "{\"type\":\"REMOVE_CONTAINER\",\"remove_container\":"
        + "{\"container_id\":{\"value\":\"c1\"}}}";
    HttpResponse<String> r = agent.postJson(remove);
    assertEquals(200, r.statusCode());
    assertEquals("", r.body());
    assertEquals(C1, agent.fake.next(Containerizer.Remove.class, AgentFixture.TIMEOUT).id());

    agent.fake.onRemove = m -> new Containerizer.Rejected(new ContainerError.InvalidState(
        m.id(), ContainerState.RUNNING, "Failed to remove container"));
    HttpResponse<String> running = agent.postJson(remove);
    assertEquals(409, running.statusCode());
    assertEquals("Failed to remove container: container 'c1' is RUNNING", running.body());
    assertEquals("container.invalid-state",
        running.headers().firstValue(ErrorMapping.CODE_HEADER).get());

    agent.fake.onRemove = m -> new Containerizer.Rejected(new ContainerError.NotFound(m.id()));
    assertEquals(404, agent.postJson(remove).statusCode());
  }

  @Test
  void getContainersHidesStandaloneContainersByDefaultAsMesos() throws Exception {
    agent.fake.containers = snapshots();
    HttpResponse<String> r = agent.postJson("{\"type\":\"GET_CONTAINERS\"}");
    assertEquals(200, r.statusCode());
    assertEquals("{\"type\":\"GET_CONTAINERS\",\"get_containers\":{}}", r.body());
  }

  @Test
  void getContainersWithShowStandaloneListsTheRunningOnes() throws Exception {
    agent.fake.containers = snapshots();
    HttpResponse<String> r = agent.postJson("{\"type\":\"GET_CONTAINERS\","
        + "\"get_containers\":{\"show_standalone\":true}}");
    assertEquals(200, r.statusCode());
    assertEquals("{\"type\":\"GET_CONTAINERS\",\"get_containers\":{\"containers\":[{"
        + "\"container_id\":{\"value\":\"c1\"},"
        + "\"container_status\":{\"container_id\":{\"value\":\"c1\"},\"executor_pid\":4242},"
        + "\"resource_statistics\":{\"timestamp\":1764100000.5,\"processes\":2,"
        + "\"cpus_user_time_secs\":0.25,\"mem_limit_bytes\":67108864,"
        + "\"mem_rss_bytes\":1048576}}]}}", r.body());
  }

  @Test
  void getContainersInProtobuf() throws Exception {
    agent.fake.containers = snapshots();
    HttpResponse<byte[]> r = agent.sendBytes(agent.request("/api/v1")
        .header("Content-Type", "application/x-protobuf")
        .header("Accept", "application/x-protobuf")
        .POST(BodyPublishers.ofByteArray(Call.newBuilder().setType(Call.Type.GET_CONTAINERS)
            .setGetContainers(Call.GetContainers.newBuilder().setShowStandalone(true))
            .build().toByteArray())));
    Response response = Response.parseFrom(r.body());
    assertEquals(1, response.getGetContainers().getContainersCount());
    assertEquals(67108864L, response.getGetContainers().getContainers(0)
        .getResourceStatistics().getMemLimitBytes());
  }

  @Test
  void anUnansweredAskIs503() throws Exception {
    try (AgentFixture slow = new AgentFixture(
        HttpSettings.defaults().withAskTimeout(java.time.Duration.ofMillis(300)))) {
      slow.fake.onKill = m -> null;
      HttpResponse<String> r = slow.postJson("{\"type\":\"KILL_CONTAINER\",\"kill_container\":"
          + "{\"container_id\":{\"value\":\"c1\"}}}");
      assertEquals(503, r.statusCode());
      assertEquals("Failed to kill container 'c1': no answer within 300ms", r.body());
      assertEquals("agent.timeout", r.headers().firstValue(ErrorMapping.CODE_HEADER).get());
      assertTrue(slow.get("/health").statusCode() == 200);
    }
  }

  /** One running container (listed) and one terminated (never listed by GET_CONTAINERS). */
  static List<Containerizer.ContainerSnapshot> snapshots() {
    ResourceStatistics stats = ResourceStatistics.newBuilder()
        .setTimestamp(1764100000.5).setProcesses(2).setCpusUserTimeSecs(0.25)
        .setMemLimitBytes(67108864L).setMemRssBytes(1048576L).build();
    ContainerID c2 = ContainerID.newBuilder().setValue("c2").build();
    return List.of(
        new Containerizer.ContainerSnapshot(C1, ContainerState.RUNNING,
            ContainerStatus.newBuilder().setExecutorPid(4242).build(), stats, Optional.empty()),
        new Containerizer.ContainerSnapshot(c2, ContainerState.TERMINATED,
            ContainerStatus.newBuilder().setContainerId(c2).build(),
            ResourceStatistics.newBuilder().setTimestamp(1764100001.0).build(),
            Optional.of(ContainerTermination.newBuilder().setStatus(0).build())));
  }
}
