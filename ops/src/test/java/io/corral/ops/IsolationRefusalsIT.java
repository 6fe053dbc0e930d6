package io.corral.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.actors.ContainerError;
import io.corral.actors.Containerizer;
import io.corral.http.MesosJson;
import io.corral.isolators.Phase;
import io.corral.posix.testing.TestDirectories;
import io.corral.proto.v1.agent.Call;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every refusal of filesystem/shared, namespaces/ipc, linux/capabilities and posix/rlimits as a
 * Mesos operator client sees it: {@code 400} to LAUNCH_CONTAINER with the message, and the agent
 * launching the next good container. An agent wired in-process as {@code corral agent} wires
 * it, from its flags; also asked through the embedded API for the typed error. Root only.
 */
@Tag("root")
class IsolationRefusalsIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final AtomicInteger IDS = new AtomicInteger();

  private static ActorSystem<Containerizer.Command> system;
  private static ServerBinding binding;
  private static Path work;
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static AgentFlags flags;

  @BeforeAll
  static void startAgent() throws Exception {
    assumeTrue(Host.isRoot(), "needs root: the isolators clone namespaces and mount");
    // Not under /tmp: a volume onto /tmp must not hide the sandboxes.
    work = TestDirectories.notUnderTmp("it-work", "refusals");
    AgentFlags.Http http = new AgentFlags.Http();
    flags = new AgentFlags();
    new CommandLine(http).parseArgs("--port=0");
    new CommandLine(flags).parseArgs("--work_dir=" + work.resolve("work"),
        "--runtime_dir=" + work.resolve("runtime"),
        "--isolation=filesystem/shared,posix/rlimits,linux/capabilities,namespaces/ipc,"
            + "namespaces/pid",
        "--disallow_sharing_agent_ipc_namespace",
        "--cgroups_root=corral-refusals-it-" + ProcessHandle.current().pid(),
        "--effective_capabilities={\"capabilities\":[\"CHOWN\",\"KILL\"]}");
    flags.resolve(true, AgentFlags.ROOT_ISOLATION);
    Files.createDirectories(flags.workDir());
    Files.createDirectories(flags.runtimeDir());
    system = Systems.start(Containerizer.create(Wiring.containerizer(flags,
        Wiring.isolation(flags.isolation()))), AgentFlags.LoggingLevel.INFO);
    binding = Wiring.bind(system, http, FlagValues.render(http, flags)).toCompletableFuture()
        .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
  }

  @AfterAll
  static void stopAgent() {
    if (system != null) {
      binding.unbind().toCompletableFuture().join();
      Systems.stop(system, TIMEOUT);
      Wiring.removeCgroupsRoot(flags);
    }
  }

  private static String launch(String container, String command) {
    return "{\"type\":\"LAUNCH_CONTAINER\",\"launch_container\":{\"container_id\":{\"value\":\"c"
        + IDS.incrementAndGet() + "\"},\"command\":{\"value\":\"" + command + "\"},"
        + "\"container\":{\"type\":\"MESOS\"," + container + "}}}";
  }

  private static HttpResponse<String> post(String json) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + binding.localAddress().getPort() + "/api/v1"))
        .timeout(TIMEOUT).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String volume(String hostPath, String containerPath) {
    return "{\"host_path\":\"" + hostPath + "\",\"container_path\":\"" + containerPath
        + "\",\"mode\":\"RW\"}";
  }

  @Test
  // Volumes onto /mnt, not /tmp: the work dir may be under /tmp, and a volume hiding it is refused.
  void everyRefusedRequestIs400WithItsMessage() throws Exception {
    Map<String, String> refused = Map.ofEntries(
        Map.entry("\"volumes\":[" + volume("../../etc", "/mnt") + "]",
            "with isolator 'filesystem/shared': Failed to prepare: volume host path '../../etc'"
                + " must not contain '.' or '..'"),
        Map.entry("\"volumes\":[" + volume("tmp", "/no/such/dir") + "]",
            "volume container path '/no/such/dir' must exist on host"),
        Map.entry("\"volumes\":[" + volume("tmp", "relative") + "]",
            "volume container path 'relative' is not absolute"),
        Map.entry("\"volumes\":[" + volume("a", "/mnt") + "," + volume("b", "/mnt") + "]",
            "two volumes have the container path '/mnt'"),
        Map.entry("\"volumes\":[" + volume("/no/such/host/dir", "/mnt") + "]",
            "volume host path '/no/such/host/dir' does not exist"),
        Map.entry("\"rlimit_info\":{\"rlimits\":[{\"type\":\"RLMT_CPU\",\"soft\":100,\"hard\":1}]}",
            "with isolator 'posix/rlimits': Failed to prepare: Invalid rlimit values for"
                + " 'RLMT_CPU': soft limit 100 is greater than hard limit 1"),
        Map.entry("\"rlimit_info\":{\"rlimits\":[{\"type\":\"RLMT_CORE\",\"soft\":1}]}",
            "soft and hard limits must both be set or both be unset"),
        Map.entry("\"rlimit_info\":{\"rlimits\":[{\"type\":\"UNKNOWN\",\"soft\":1,\"hard\":1}]}",
            "Unknown rlimit type 'UNKNOWN'"),
        Map.entry("\"rlimit_info\":{\"rlimits\":[{\"type\":\"RLMT_NOFILE\"}]}",
            "setrlimit resource=7 "),
        Map.entry("\"linux_info\":{\"effective_capabilities\":{\"capabilities\":[\"NET_RAW\"]}}",
            "with isolator 'linux/capabilities': Failed to prepare: effective capabilities"
                + " 'NET_RAW' are not allowed; the agent allows only 'CHOWN,KILL'"),
        Map.entry("\"linux_info\":{\"ipc_mode\":\"SHARE_PARENT\"}",
            "Sharing agent IPC namespace with top-level container is not allowed"));
    for (Map.Entry<String, String> request : refused.entrySet()) {
      HttpResponse<String> response = post(launch(request.getKey(), "true"));
      assertEquals(400, response.statusCode(), request.getKey() + ": " + response.body());
      assertTrue(response.body().contains(request.getValue()),
          request.getKey() + ": " + response.body());
    }
    assertFalse(Files.exists(work.resolve("work").resolve("..").resolve("etc")));

    HttpResponse<String> good = post(launch("\"volumes\":[" + volume("tmp", "/tmp") + "],"
        + "\"rlimit_info\":{\"rlimits\":[{\"type\":\"RLMT_NOFILE\",\"soft\":256,\"hard\":256}]},"
        + "\"linux_info\":{\"effective_capabilities\":{\"capabilities\":[\"CHOWN\"]}}",
        "test $(stat -c %a /tmp) = 1777 && test $(ulimit -n) = 256"));
    assertEquals(200, good.statusCode(), "the agent carries on: " + good.body());
    String id = "c" + IDS.get();
    HttpResponse<String> waited = post("{\"type\":\"WAIT_CONTAINER\",\"wait_container\":"
        + "{\"container_id\":{\"value\":\"" + id + "\"}}}");
    assertEquals(200, waited.statusCode(), waited.body());
    assertTrue(waited.body().contains("\"exit_status\":0"), waited.body());
  }

  @Test
  void theEmbeddedApiAnswersWithATypedError() throws Exception {
    Call.Builder call = MesosJson.merge(launch(
        "\"rlimit_info\":{\"rlimits\":[{\"type\":\"RLMT_CPU\",\"soft\":2,\"hard\":1}]}", "true"),
        Call.newBuilder());
    Containerizer.LaunchReply reply = AskPattern.<Containerizer.Command, Containerizer.LaunchReply>ask(
        system, replyTo -> new Containerizer.Launch(call.getLaunchContainer(), null, replyTo),
        TIMEOUT, system.scheduler()).toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    Containerizer.Rejected rejected = assertInstanceOf(Containerizer.Rejected.class, reply);
    ContainerError.IsolatorFailed failed =
        assertInstanceOf(ContainerError.IsolatorFailed.class, rejected.error());
    assertEquals("posix/rlimits", failed.isolator());
    assertEquals(Phase.PREPARE, failed.phase());
    assertTrue(failed.detail().contains("soft limit 2 is greater than hard limit 1"),
        failed.detail());
  }
}
