package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.it.support.AgentClient;
import io.corral.it.support.AgentProcess;
import io.corral.it.support.Agents;
import io.corral.it.support.Eventually;
import io.corral.it.support.Fifos;
import io.corral.it.support.Host;
import io.corral.it.support.Leaks;
import io.corral.proto.v1.TaskState;
import io.corral.proto.v1.TaskStatus;
import io.corral.proto.v1.agent.Response;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The agent SIGKILLed for real while a container is in each lifecycle state that
 * {@link RecoveryIT} does not reach with a live agent, then restarted on the same
 * directories; and the 503 window of a recovering agent. The states are held open without
 * timing: a FIFO where the agent writes a checkpoint blocks that write until the test opens it,
 * and a frozen freezer cgroup keeps a SIGKILLed init alive (a v1 freezer delivers fatal signals
 * only once thawed). ISOLATING before the init is forked (the launch helper blocked on its
 * stdout) is {@link RecoveryIT#aSigkillWhileTheInitIsForkedDestroysAndReportsTheLaunch}; here it
 * is ISOLATING after the fork. A SIGKILL while an isolator's isolate runs (the pids
 * checkpointed) would need an isolator that blocks on the test's word, which only an embedded
 * containerizer has ({@code FaultMatrixIT}); its init exits as here, and the next agent finds
 * its pids and a dead init: reported ended with status 9, as in
 * {@link RecoveryIT#containersThatEndedWhileTheAgentWasDownReportTheirStatus}.
 *
 * <p>Each case ends with every container removed and nothing left: no process, no cgroup in any
 * hierarchy (the freezer included), no mount, no sandbox or runtime directory.
 */
@Tag("root")
class RecoveryStatesIT {
  private static final String RUN = Long.toString(ProcessHandle.current().pid());
  private static final String CGROUPS_ROOT = "corral-it-states-" + RUN;
  private static final List<String> HIERARCHIES = List.of("cpu", "memory", "pids", "net_cls", "freezer");
  private static final String[] ISOLATION = {
      "--isolation=filesystem/posix,posix/rlimits,cgroups/cpu,cgroups/mem,cgroups/pids,cgroups/net_cls,"
          + "namespaces/ipc,namespaces/pid",
      "--cgroups_net_cls_primary_handle=0xC0A1",
      "--cgroups_root=" + CGROUPS_ROOT};
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final Agents agents = new Agents(CGROUPS_ROOT, ISOLATION);
  private final List<Integer> pids = agents.pids();
  private final Leaks leaks = new Leaks(CGROUPS_ROOT, HIERARCHIES);

  @AfterEach
  void killWhatIsLeft() throws IOException {
    thaw(CGROUPS_ROOT);
    agents.close();
  }

  /**
   * PREPARING: the first checkpoint of the launch ({@code config}) goes through
   * {@code config.tmp}, here a FIFO, so the agent stays in PREPARING with its sandbox created
   * and no config written. The next agent destroys and reports the launch as cut short.
   */
  @Test
  void aSigkillWhilePreparingDestroysAndReportsTheLaunch() throws Exception {
    assumeTrue(Host.isRoot(), "needs root: namespaces and cgroups");
    AgentProcess first = agents.start();
    String id = "preparing-" + RUN;
    Path runtime = Files.createDirectories(first.runtimeDir().resolve("containers").resolve(id));
    Fifos.make(runtime.resolve("config.tmp"));
    CompletableFuture<HttpResponse<String>> launch = first.client().postJsonAsync(AgentClient.launchJson(id, "true"));
    Eventually.await(TIMEOUT, () -> Files.isDirectory(first.sandbox(id)), () -> "the sandbox\n" + first.logTail());
    assertFalse(launch.isDone(), "the launch waits on its config checkpoint");
    assertFalse(Files.exists(runtime.resolve("config")), "nothing checkpointed yet");

    first.sigkill();
    AgentProcess second = agents.restart(first);
    Response.WaitContainer wait = second.client().waitFor(id, TIMEOUT);
    assertEquals(TaskState.TASK_FAILED, wait.getState());
    assertEquals(TaskStatus.Reason.REASON_CONTAINER_LAUNCH_FAILED, wait.getReason());
    assertEquals("Failed to launch container: the agent stopped while it was PREPARING", wait.getMessage());
    leaks.assertRemovedWithoutLeaks(second, List.of(id), pids);
  }

  /**
   * ISOLATING with the init forked but not released: it sits in its freezer cgroup waiting for
   * the agent's go, and the checkpoint of its pids waits on {@code pids.tmp}, a FIFO. When the
   * agent dies the init sees its sync pipe close and exits without running anything; the next
   * agent reports the launch as cut short and removes its cgroups, the freezer's among them.
   */
  @Test
  void aSigkillWithTheInitForkedButNotReleasedDestroysAndReportsTheLaunch() throws Exception {
    assumeTrue(Host.isRoot(), "needs root: namespaces and cgroups");
    AgentProcess first = agents.start();
    String id = "forked-" + RUN;
    Path runtime = Files.createDirectories(first.runtimeDir().resolve("containers").resolve(id));
    Fifos.make(runtime.resolve("pids.tmp"));
    CompletableFuture<HttpResponse<String>> launch = first.client().postJsonAsync(AgentClient.launchJson(id, "true"));
    Path procs = Path.of("/sys/fs/cgroup/freezer", CGROUPS_ROOT, id, "cgroup.procs");
    Eventually.await(TIMEOUT, () -> !read(procs).isEmpty() && !read(procs).startsWith("java.") && running(
        Integer.parseInt(read(procs).lines().findFirst().orElseThrow())), () -> "the init in its freezer cgroup\n"
        + first.logTail());
    int init = Integer.parseInt(read(procs).lines().findFirst().orElseThrow());
    pids.add(init);
    Host.descendants((int) first.pid()).forEach(p -> pids.add(p.pid()));
    assertFalse(launch.isDone(), "the launch waits on its pids checkpoint");
    assertFalse(Files.exists(runtime.resolve("pids")), "the pids are not checkpointed");
    assertTrue(Files.exists(runtime.resolve("config")), "the plan is");

    first.sigkill();
    AgentProcess second = agents.restart(first);
    Response.WaitContainer wait = second.client().waitFor(id, TIMEOUT);
    assertEquals(TaskStatus.Reason.REASON_CONTAINER_LAUNCH_FAILED, wait.getReason());
    assertEquals("Failed to launch container: the agent stopped while it was ISOLATING", wait.getMessage());
    leaks.assertRemovedWithoutLeaks(second, List.of(id), pids);
  }

  /**
   * DESTROYING with the init still alive: the container's freezer cgroup is frozen by the test,
   * so the SIGKILL of a KILL stays pending; the agent dies before the init. The next agent
   * re-adopts the init, thaws the cgroup (an agent that died in a destroy may have left it
   * frozen), the pending SIGKILL lands, and the container is reported killed.
   */
  @Test
  void aSigkillWhileDestroyingAFrozenContainerEndsItOnRestart() throws Exception {
    assumeTrue(Host.isRoot(), "needs root: namespaces and cgroups");
    AgentProcess first = agents.start();
    String id = "destroying-" + RUN;
    String neighbour = "neighbour-" + RUN;
    assertEquals(200, first.client().launch(id, "sleep 1000"), first.logTail());
    assertEquals(200, first.client().launch(neighbour, "sleep 1000"), first.logTail());
    int init = initPid(first.client(), id);
    int neighbourInit = initPid(first.client(), neighbour);
    Path freezer = Path.of("/sys/fs/cgroup/freezer", CGROUPS_ROOT, id);
    assertTrue(Files.isDirectory(freezer), "the container's freezer cgroup: " + freezer);
    Files.writeString(freezer.resolve("freezer.state"), "FROZEN");
    Eventually.await(TIMEOUT, () -> read(freezer.resolve("freezer.state")).equals("FROZEN"), "the cgroup to freeze");

    CompletableFuture<HttpResponse<String>> wait = first.client().postJsonAsync(AgentClient.idCallJson("WAIT_CONTAINER", id));
    assertEquals(200, first.client().kill(id), first.logTail());
    assertTrue(running(init), "a frozen init outlives its SIGKILL");
    assertFalse(wait.isDone(), "the container is still being destroyed");

    first.sigkill();
    assertTrue(running(init), "the frozen init outlives the agent");
    AgentProcess second = agents.restart(first);
    Response.WaitContainer ended = second.client().waitFor(id, TIMEOUT);
    assertEquals(9, ended.getExitStatus(), "the pending SIGKILL ends it: " + ended + "\n" + second.logTail());
    assertEquals("THAWED", read(freezer.resolveSibling(neighbour).resolve("freezer.state")), "the neighbour is untouched");
    assertTrue(running(neighbourInit), "the neighbour still runs");
    assertEquals(200, second.client().kill(neighbour), second.logTail());
    assertEquals(9, second.client().waitFor(neighbour, TIMEOUT).getExitStatus());
    leaks.assertRemovedWithoutLeaks(second, List.of(id, neighbour), pids);
  }

  /**
   * DESTROYING at its last step: the init is dead and every isolator cleaned up (no cgroup of
   * the container is left), and the termination checkpoint waits on {@code termination.tmp},
   * a FIFO. The next agent finds an init that has exited, cleans up again (finding nothing)
   * and reports it killed; SIGKILLed in TERMINATED, it leaves the same report to the next.
   */
  @Test
  void aSigkillBeforeTheTerminationIsCheckpointedReportsTheKill() throws Exception {
    assumeTrue(Host.isRoot(), "needs root: namespaces and cgroups");
    AgentProcess first = agents.start();
    String id = "terminating-" + RUN;
    assertEquals(200, first.client().launch(id, "sleep 1000"), first.logTail());
    int init = initPid(first.client(), id);
    Path runtime = first.runtimeDir().resolve("containers").resolve(id);
    Fifos.make(runtime.resolve("termination.tmp"));

    assertEquals(200, first.client().kill(id), first.logTail());
    Eventually.await(TIMEOUT, () -> !running(init) && leaks.cgroupsOf(id).isEmpty(),
        () -> "the init to die and the cgroups to go: " + leaks.cgroupsOf(id) + "\n" + first.logTail());
    assertFalse(Files.exists(runtime.resolve("termination")), "the termination is not checkpointed");

    first.sigkill();
    AgentProcess second = agents.restart(first);
    Response.WaitContainer ended = second.client().waitFor(id, TIMEOUT);
    assertEquals(9, ended.getExitStatus(), ended + "\n" + second.logTail());
    Eventually.await(TIMEOUT, () -> Files.exists(runtime.resolve("termination")), "the termination checkpoint");

    // TERMINATED, not yet removed: it survives a SIGKILL too.
    second.sigkill();
    AgentProcess third = agents.restart(second);
    assertEquals(ended, third.client().waitFor(id, TIMEOUT), "the same termination after another restart");
    leaks.assertRemovedWithoutLeaks(third, List.of(id), pids);
  }

  /**
   * While a restarted agent recovers, {@code /api/v1} and the other endpoints answer 503 and
   * {@code GET /health} 200, then the API answers 200. Recovery is held open by a runtime
   * directory whose {@code config} is a FIFO: reading it blocks until the test writes (garbage)
   * into it, which costs only that container.
   */
  @Test
  void theApiAnswers503UntilRecoveryEnds() throws Exception {
    assumeTrue(Host.isRoot(), "needs root: namespaces and cgroups");
    AgentProcess first = agents.start();
    String running = "recovering-" + RUN;
    assertEquals(200, first.client().launch(running, "sleep 1000"), first.logTail());
    int init = initPid(first.client(), running);
    first.sigkill();
    String slow = "slow-checkpoint-" + RUN;
    Path slowRuntime = Files.createDirectories(first.runtimeDir().resolve("containers").resolve(slow));
    Path config = slowRuntime.resolve("config");
    Fifos.make(config);

    AgentProcess second = agents.restartRecovering(first);
    AgentClient client = second.client();
    HttpResponse<String> health = client.postJson("{\"type\":\"GET_HEALTH\"}");
    assertEquals(503, health.statusCode(), health.body());
    assertEquals("Agent has not finished recovery", health.body().trim());
    assertEquals(503, client.postJson("{\"type\":\"GET_CONTAINERS\"}").statusCode());
    assertEquals(503, client.postJson(AgentClient.launchJson("too-early-" + RUN, "true")).statusCode());
    assertEquals(503, client.request("GET", "/containers").statusCode());
    assertEquals(200, client.request("GET", "/health").statusCode(), "GET /health answers while recovering");

    CompletableFuture<Void> garbage = CompletableFuture.runAsync(() -> {
      try (OutputStream out = Files.newOutputStream(config)) {
        out.write(new byte[] {(byte) 0xff, 0x01, 0x02, (byte) 0x80});
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    garbage.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    second.awaitRecovered();
    assertEquals(200, client.postJson("{\"type\":\"GET_CONTAINERS\"}").statusCode());
    assertEquals(init, client.container(running).orElseThrow().getContainerStatus().getExecutorPid(),
        "the running container is re-adopted");
    Response.WaitContainer lost = client.waitFor(slow, TIMEOUT);
    assertTrue(lost.getMessage().startsWith("Failed to recover container '" + slow
        + "': Failed to read checkpoint 'config'"), lost.getMessage());
    assertEquals(200, client.kill(running));
    assertEquals(9, client.waitFor(running, TIMEOUT).getExitStatus());
    leaks.assertRemovedWithoutLeaks(second, List.of(running, slow), pids);
  }

  // ---- helpers --------------------------------------------------------------------------------

  /** The init's pid, and its descendants', all killed after the test if still there. */
  private int initPid(AgentClient client, String id) {
    int pid = agents.initPid(client, id);
    pids.addAll(Host.descendants(pid).stream().map(Host.Proc::pid).toList());
    return pid;
  }

  private static boolean running(int pid) {
    return Leaks.running(pid);
  }

  private static String read(Path file) {
    try {
      return Files.readString(file).trim();
    } catch (IOException e) {
      return e.toString();
    }
  }

  /** Thaws every frozen cgroup under our freezer root, so that a failed test leaves none frozen. */
  private static void thaw(String root) throws IOException {
    for (String name : Host.entries(Path.of("/sys/fs/cgroup/freezer", root))) {
      Path state = Path.of("/sys/fs/cgroup/freezer", root, name, "freezer.state");
      if (Files.isRegularFile(state)) {
        Files.writeString(state, "THAWED");
      }
    }
  }
}
