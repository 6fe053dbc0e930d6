package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.it.support.AgentClient;
import io.corral.it.support.AgentProcess;
import io.corral.it.support.Eventually;
import io.corral.it.support.Host;
import io.corral.proto.v1.TaskStatus;
import io.corral.proto.v1.agent.Response;
import io.corral.testkit.Fault;
import io.corral.testkit.FaultyDu;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * "50 containers with disk/du do not delay launches", without a clock: the agent's
 * {@code du} is testkit's {@link FaultyDu} that hangs, first on its {@code PATH}, and the first
 * two containers take both {@code --container_disk_watch_parallelism} slots with runs that never
 * end. Then 48 more containers with a {@code disk} resource are launched at once: every launch
 * answers 200 and every container runs while no {@code du} can finish (the same two hung runs
 * before and after), every WAIT is answered once they are killed, every REMOVE succeeds, and no
 * {@code du}, container process, sandbox, runtime directory or mount is left.
 */
@Tag("root")
class DiskDuLoadIT {
  private static final int COUNT = 50;
  private static final Duration WAIT = Duration.ofSeconds(120);

  @TempDir Path temp;

  @Test
  void fiftyContainersLaunchRunAndGoWhileEveryDuHangs() throws Exception {
    assumeTrue(Host.isRoot(), "needs root: real namespaces");
    Path stubs = FaultyDu.install(temp.resolve("bin"), Fault.HANG).getParent();
    Map<String, String> path = Map.of("PATH", stubs + ":" + System.getenv("PATH"));
    try (AgentProcess agent = AgentProcess.start(path, AgentProcess.FULL_ISOLATION + ",disk/du",
        "--container_disk_watch_interval=200ms", "--container_disk_watch_parallelism=2",
        "--enforce_container_disk_quota")) {
      AgentClient client = agent.client();
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < COUNT; i++) {
        ids.add("du-load-" + i);
      }
      assertEquals(200, launch(client, ids.get(0)).get(WAIT.toSeconds(), TimeUnit.SECONDS).statusCode());
      assertEquals(200, launch(client, ids.get(1)).get(WAIT.toSeconds(), TimeUnit.SECONDS).statusCode());
      Eventually.await(WAIT, () -> hungDu(agent).size() == 2,
          () -> "both du slots taken by hung runs: " + hungDu(agent) + agent.logTail());
      Set<Integer> hung = hungDu(agent);

      List<CompletableFuture<HttpResponse<String>>> launches = new ArrayList<>();
      for (String id : ids.subList(2, COUNT)) {
        launches.add(launch(client, id));
      }
      for (int i = 0; i < launches.size(); i++) {
        HttpResponse<String> r = launches.get(i).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(200, r.statusCode(), ids.get(i + 2) + ": " + r.body() + agent.logTail());
      }

      assertEquals(hung, hungDu(agent), "no du finished, none was replaced: the launches did not wait for one");
      List<Response.GetContainers.Container> listed = client.containers();
      assertEquals(COUNT, listed.size());
      for (Response.GetContainers.Container c : listed) {
        int pid = c.getContainerStatus().getExecutorPid();
        assertTrue(pid > 0 && Host.read(pid) != null && Host.read(pid).running(),
            c.getContainerId().getValue() + " runs: " + c.getContainerStatus());
      }

      List<CompletableFuture<HttpResponse<String>>> waits = new ArrayList<>();
      for (String id : ids) {
        waits.add(client.postJsonAsync(AgentClient.idCallJson("WAIT_CONTAINER", id)));
      }
      for (String id : ids) {
        assertEquals(200, client.kill(id), id);
      }
      for (int i = 0; i < COUNT; i++) {
        HttpResponse<String> r = waits.get(i).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(200, r.statusCode(), ids.get(i) + ": " + r.body());
        Response.WaitContainer end = AgentClient.parseJson(r.body()).getWaitContainer();
        assertEquals(9, end.getExitStatus(), ids.get(i) + " was running until killed: " + end);
        assertNotEquals(TaskStatus.Reason.REASON_CONTAINER_LIMITATION_DISK, end.getReason());
      }
      for (String id : ids) {
        assertEquals(200, client.remove(id), id);
      }

      Eventually.await(WAIT, () -> Host.descendants((int) agent.pid()).stream().noneMatch(Host.Proc::running),
          () -> "no du or container process left: " + Host.descendants((int) agent.pid()));
      assertEquals(List.of(), client.containers());
      assertEquals(Set.of(), Host.entries(agent.workDir().resolve("containers")));
      assertEquals(Set.of(), Host.entries(agent.runtimeDir().resolve("containers")));
      assertEquals(Set.of(), Host.mounts().stream()
          .filter(line -> line.contains(agent.workDir().toString()) || line.contains(agent.runtimeDir().toString()))
          .collect(Collectors.toSet()));
    }
  }

  private static CompletableFuture<HttpResponse<String>> launch(AgentClient client, String id) {
    return client.postJsonAsync(AgentClient.launchJsonRaw(
        "\"container_id\":{\"value\":" + AgentClient.quote(id) + "},"
            + "\"command\":{\"value\":\"exec sleep 1000\"},"
            + "\"resources\":[{\"name\":\"disk\",\"type\":\"SCALAR\",\"scalar\":{\"value\":1}}]"));
  }

  /** The hung {@code du} runs: the stub execs {@code sleep}, a direct child of the agent JVM. */
  private static Set<Integer> hungDu(AgentProcess agent) {
    return Host.processes().values().stream()
        .filter(p -> p.ppid() == agent.pid() && p.comm().equals("sleep") && p.running())
        .map(Host.Proc::pid).collect(Collectors.toCollection(TreeSet::new));
  }
}
