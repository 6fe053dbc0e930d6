package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.it.support.AgentClient;
import io.corral.it.support.AgentProcess;
import io.corral.it.support.Host;
import io.corral.it.support.Host.Proc;
import io.corral.it.support.Host.Snapshot;
import io.corral.proto.v1.agent.Response;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Twenty containers that end in every way a container can end (a clean exit, a failing exit, an
 * executable that does not exist, an isolator whose prepare fails, a KILL mid-run), each
 * REMOVEd, leave the host as it was: no process of theirs, no mount, no cgroup, and empty
 * {@code work_dir/containers} and {@code runtime_dir/containers}.
 */
@Tag("root")
class LeakIT {
  /** Unique per run, so cgroups of this run cannot be confused with anyone else's. */
  private static final String RUN = Long.toString(ProcessHandle.current().pid());

  @Test
  void twentyLaunchesLeaveNothingBehind() {
    assumeTrue(Host.isRoot(), "needs root: real namespaces");
    try (AgentProcess agent = AgentProcess.start(AgentProcess.FULL_ISOLATION)) {
      AgentClient client = agent.client();
      Snapshot before = Snapshot.take();
      List<String> ids = new ArrayList<>();

      for (int i = 0; i < 8; i++) {
        String id = id("true", i, ids);
        assertEquals(200, client.launch(id, "true"), agent.logTail());
        assertEquals(0, client.waitFor(id).getExitStatus());
      }
      for (int i = 0; i < 3; i++) {
        String id = id("exit1", i, ids);
        assertEquals(200, client.launch(id, "echo to stdout; echo to stderr >&2; exit 1"));
        assertEquals(256, client.waitFor(id).getExitStatus());
      }
      for (int i = 0; i < 3; i++) {
        String id = id("nobinary", i, ids);
        HttpResponse<String> r = client.postJson(AgentClient.launchJsonRaw(
            "\"container_id\":{\"value\":\"" + id + "\"},"
                + "\"command\":{\"shell\":false,\"value\":\"/no/such/binary\",\"arguments\":[\"binary\"]}"));
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(client.waitFor(id).getMessage().contains("/no/such/binary"));
      }
      for (int i = 0; i < 3; i++) {
        String id = id("prepare", i, ids);
        HttpResponse<String> r = client.postJson(AgentClient.launchJsonRaw(
            "\"container_id\":{\"value\":\"" + id + "\"},\"command\":{\"value\":\"true\"},"
                + "\"container\":{\"type\":\"MESOS\",\"volumes\":[{\"container_path\":\"/mnt\","
                + "\"host_path\":\"/tmp\",\"mode\":\"RO\"}]}"));
        assertEquals(400, r.statusCode(), r.body());
        client.waitRaw(id);
      }
      for (int i = 0; i < 3; i++) {
        String id = id("killed", i, ids);
        assertEquals(200, client.launch(id, "sleep 1000 & sleep 1000"));
        assertEquals(200, client.kill(id));
        assertEquals(9, client.waitFor(id).getExitStatus());
      }
      assertEquals(20, ids.size());

      for (String id : ids) {
        assertEquals(200, client.remove(id), "REMOVE '" + id + "'\n" + agent.logTail());
      }
      List<Response.GetContainers.Container> listed = client.containers();
      assertEquals(List.of(), listed, "GET_CONTAINERS after every REMOVE");

      Snapshot after = Snapshot.take();
      assertEquals(List.of(), leakedProcesses(before, after, agent), "processes left by the containers");
      assertEquals(Set.of(), Host.containerMounts(before.newMounts(after), agent.workDir().getParent()),
          "mounts left in the host's mount table");
      assertEquals(Set.of(), ofThisRun(before.newCgroups(after)), "cgroups left");
      assertEquals(Set.of(), Host.entries(agent.runtimeDir().resolve("containers")), "runtime_dir/containers");
      assertEquals(Set.of(), Host.entries(agent.workDir().resolve("containers")), "work_dir/containers");
      assertTrue(client.healthy());
    }
  }

  /**
   * KILL sent while the LAUNCH of the same container is still in flight, twenty times: whatever
   * each answer is (a KILL may find nothing yet, a launch may be cut short), every container
   * ends, REMOVE cleans it up, and nothing is left.
   */
  @Test
  void killRacingLaunchLeavesNothingBehind() throws Exception {
    assumeTrue(Host.isRoot(), "needs root: real namespaces");
    try (AgentProcess agent = AgentProcess.start(AgentProcess.FULL_ISOLATION)) {
      AgentClient client = agent.client();
      Snapshot before = Snapshot.take();
      for (int i = 0; i < 20; i++) {
        String id = "race-" + RUN + "-" + i;
        java.util.concurrent.CompletableFuture<HttpResponse<String>> launch =
            client.postJsonAsync(AgentClient.launchJson(id, "sleep 1000 & sleep 1000"));
        int killed = client.kill(id);
        int launched = launch.get(60, java.util.concurrent.TimeUnit.SECONDS).statusCode();
        assertTrue(launched == 200 || launched == 400, "LAUNCH '" + id + "': " + launched);
        assertTrue(killed == 200 || killed == 404, "KILL '" + id + "': " + killed);
        if (launched == 200 && killed == 404) {
          assertEquals(200, client.kill(id), "KILL '" + id + "' after its LAUNCH");
        }
        Response.WaitContainer wait = client.waitFor(id, java.time.Duration.ofSeconds(20));
        assertTrue(wait.getExitStatus() == 9 || wait.hasReason(), "WAIT '" + id + "': " + wait);
        assertEquals(200, client.remove(id), "REMOVE '" + id + "'");
      }
      Snapshot after = Snapshot.take();
      assertEquals(List.of(), leakedProcesses(before, after, agent), "processes left by the containers");
      assertEquals(Set.of(), Host.containerMounts(before.newMounts(after), agent.workDir().getParent()),
          "mounts left in the host's mount table");
      assertEquals(Set.of(), Host.entries(agent.runtimeDir().resolve("containers")), "runtime_dir/containers");
      assertEquals(Set.of(), Host.entries(agent.workDir().resolve("containers")), "work_dir/containers");
    }
  }

  private static String id(String kind, int i, List<String> ids) {
    String id = "leak-" + RUN + "-" + kind + "-" + i;
    ids.add(id);
    return id;
  }

  /**
   * New processes that belong to the agent's tree (other than the agent itself), or that run in
   * one of its directories: a process that escaped its tree (reparented to the host's init)
   * still has its sandbox as working directory.
   */
  private static List<Proc> leakedProcesses(Snapshot before, Snapshot after, AgentProcess agent) {
    Map<Integer, Proc> all = after.processes();
    Path root = agent.workDir().getParent();
    List<Proc> leaked = new ArrayList<>();
    for (Proc p : before.newProcesses(after)) {
      boolean inTree = p.pid() != agent.pid() && Host.hasAncestor(all, p, (int) agent.pid());
      Path cwd = Host.cwd(p.pid());
      boolean inOurDirs = cwd != null && cwd.startsWith(root);
      if ((inTree || inOurDirs) && p.alive()) {
        leaked.add(p);
      }
    }
    return leaked;
  }

  private static Set<String> ofThisRun(Set<String> cgroups) {
    return cgroups.stream().filter(c -> c.contains("leak-" + RUN)).collect(java.util.stream.Collectors.toSet());
  }
}
