package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.it.support.AgentClient;
import io.corral.it.support.AgentProcess;
import io.corral.it.support.SharedAgent;
import io.corral.it.support.Eventually;
import io.corral.proto.v1.CommandInfo;
import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.agent.Call;
import io.corral.proto.v1.agent.Response;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Exit codes and signals come back from WAIT_CONTAINER as raw wait(2) statuses, exactly as
 * Mesos encodes them: exit code n is {@code n << 8}, death by signal s is s. One agent with the
 * issue's isolators serves every test; each test removes the containers it launched.
 */
@Tag("root")
class WaitStatusIT {
  @RegisterExtension
  static final SharedAgent AGENT = SharedAgent.with(AgentProcess.FULL_ISOLATION);

  @Test
  void exitCodeIsShiftedLeftByEight() {
    // The literal request a Mesos operator client sends.
    HttpResponse<String> launched = AGENT.client().postJson("""
        {"type":"LAUNCH_CONTAINER","launch_container":{"container_id":{"value":"exit3"},\
        "command":{"value":"exit 3"}}}""");
    assertEquals(200, launched.statusCode(), launched.body() + AGENT.agent().logTail());

    HttpResponse<String> waited = AGENT.client().waitRaw("exit3");
    assertEquals(200, waited.statusCode(), waited.body());
    // A JSON number (stout writes int32 as a number), not a string.
    assertTrue(Pattern.compile("\"exit_status\"\\s*:\\s*768\\b").matcher(waited.body()).find(),
        "expected exit_status 768 as a JSON number in " + waited.body());
    Response.WaitContainer wait = AgentClient.parseJson(waited.body()).getWaitContainer();
    assertEquals(768, wait.getExitStatus());
    assertFalse(wait.hasState(), "an ordinary exit sets only exit_status: " + waited.body());

    assertEquals(200, AGENT.client().remove("exit3"));
    assertEquals(404, AGENT.client().waitRaw("exit3").statusCode(), "WAIT after REMOVE is 404");
  }

  @Test
  void terminationStaysUntilRemove() {
    assertEquals(200, AGENT.client().launch("twice", "exit 0"));
    assertEquals(0, AGENT.client().waitFor("twice").getExitStatus());
    assertEquals(0, AGENT.client().waitFor("twice").getExitStatus(), "a second WAIT sees the same termination");
    assertEquals(200, AGENT.client().remove("twice"));
  }

  @Test
  void shellKillingItselfReportsTheSignal() {
    assertEquals(200, AGENT.client().launch("selfterm", "kill -TERM $$"));
    assertEquals(15, AGENT.client().waitFor("selfterm").getExitStatus());
    assertEquals(200, AGENT.client().remove("selfterm"));
  }

  @Test
  void killWithTheDefaultSignalIsSigkill() {
    assertEquals(200, AGENT.client().launch("killed9", "sleep 1000"));
    assertRunning("killed9");
    assertEquals(200, AGENT.client().kill("killed9"), "KILL_CONTAINER answers 200 once the signal is sent");
    assertEquals(9, AGENT.client().waitFor("killed9").getExitStatus());
    assertEquals(200, AGENT.client().remove("killed9"));
  }

  @Test
  void sigtermIsForwardedToTheCommand() {
    assertEquals(200, AGENT.client().launch("killed15", "sleep 1000"));
    assertRunning("killed15");
    assertEquals(200, AGENT.client().kill("killed15", 15));
    // corral-init (pid 1) forwards SIGTERM to the command, which dies of it: status 15.
    assertEquals(15, AGENT.client().waitFor("killed15").getExitStatus());
    assertEquals(200, AGENT.client().remove("killed15"));
  }

  @ParameterizedTest(name = "signal {0}")
  @ValueSource(ints = {1, 2, 15})
  void hupIntAndTermAreForwarded(int signal) {
    // No shell: a waiting sh catches SIGINT and would wait for its child first, as shells do.
    String id = "forward" + signal;
    HttpResponse<String> launched = AGENT.client().postJson(AgentClient.launchJsonRaw(
        "\"container_id\":{\"value\":\"" + id + "\"},"
            + "\"command\":{\"shell\":false,\"value\":\"sleep\",\"arguments\":[\"sleep\",\"1000\"]}"));
    assertEquals(200, launched.statusCode(), launched.body());
    assertRunning(id);
    assertEquals(200, AGENT.client().kill(id, signal));
    assertEquals(signal, AGENT.client().waitFor(id, Duration.ofSeconds(20)).getExitStatus());
    assertEquals(200, AGENT.client().remove(id));
  }

  @Test
  void sigkillEndsACommandThatIgnoresSigterm() {
    // An ignored disposition survives exec, so sleep ignores SIGTERM too.
    assertEquals(200, AGENT.client().launch("stubborn", "trap '' TERM; sleep 1000"));
    assertRunning("stubborn");
    assertEquals(200, AGENT.client().kill("stubborn", 15));
    assertEquals(200, AGENT.client().kill("stubborn"), "the container still runs after SIGTERM");
    assertEquals(9, AGENT.client().waitFor("stubborn").getExitStatus());
    assertEquals(200, AGENT.client().remove("stubborn"));
  }

  @Test
  void protobufApiGivesTheSameStatus() {
    ContainerID id = ContainerID.newBuilder().setValue("proto3").build();
    Call launch = Call.newBuilder()
        .setType(Call.Type.LAUNCH_CONTAINER)
        .setLaunchContainer(Call.LaunchContainer.newBuilder()
            .setContainerId(id)
            .setCommand(CommandInfo.newBuilder().setValue("exit 3")))
        .build();
    HttpResponse<byte[]> launched = AGENT.client().postProtobuf(launch);
    assertEquals(200, launched.statusCode(), new String(launched.body()) + AGENT.agent().logTail());

    HttpResponse<byte[]> waited = AGENT.client().postProtobuf(Call.newBuilder()
        .setType(Call.Type.WAIT_CONTAINER)
        .setWaitContainer(Call.WaitContainer.newBuilder().setContainerId(id))
        .build());
    assertEquals(200, waited.statusCode());
    assertEquals(AgentClient.PROTOBUF,
        waited.headers().firstValue("Content-Type").orElse("").split(";")[0].trim());
    Response response = AgentClient.parseProtobuf(waited.body());
    assertEquals(Response.Type.WAIT_CONTAINER, response.getType());
    assertEquals(768, response.getWaitContainer().getExitStatus());

    HttpResponse<byte[]> removed = AGENT.client().postProtobuf(Call.newBuilder()
        .setType(Call.Type.REMOVE_CONTAINER)
        .setRemoveContainer(Call.RemoveContainer.newBuilder().setContainerId(id))
        .build());
    assertEquals(200, removed.statusCode());
  }

  /** Until GET_CONTAINERS lists it with an executor pid, a KILL could race the launch. */
  private static void assertRunning(String id) {
    Eventually.await(Duration.ofSeconds(10),
        () -> AGENT.client().container(id).map(c -> c.getContainerStatus().getExecutorPid() > 0).orElse(false),
        () -> "container '" + id + "' listed with an executor_pid: " + AGENT.client().containers());
  }
}
