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
import io.corral.proto.v1.ContainerConfig;
import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.TaskState;
import io.corral.proto.v1.TaskStatus;
import io.corral.proto.v1.agent.Call;
import io.corral.proto.v1.agent.Response;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Agent restart recovery on the real kernel: an agent is SIGKILLed (or SIGTERMed)
 * while its containers run, and a new agent on the same directories re-adopts them (WAIT,
 * KILL, usage and REMOVE work), reports the status of those that ended meanwhile, destroys and
 * reports those it cannot recover (a corrupt checkpoint, a launch cut short in PREPARING or
 * ISOLATING, {@code --recover=cleanup}), and removes orphans — leaving nothing behind.
 *
 * <p>Containers block on a FIFO that the test opens when it wants them to exit, so no timing
 * is assumed.
 */
@Tag("root")
class RecoveryIT {
  private static final String RUN = Long.toString(ProcessHandle.current().pid());
  private static final String CGROUPS_ROOT = "corral-it-recovery-" + RUN;
  private static final String[] ISOLATION = {
      "--isolation=filesystem/posix,posix/cpu,posix/mem,namespaces/pid,cgroups/cpu,cgroups/mem,cgroups/pids",
      "--cgroups_root=" + CGROUPS_ROOT};
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final Agents agents = new Agents(CGROUPS_ROOT, ISOLATION);
  private final Leaks leaks = new Leaks(CGROUPS_ROOT, List.of("cpu", "memory", "pids", "freezer"));

  @AfterEach
  void killWhatIsLeft() {
    agents.close();
  }

  @Test
  void runningContainersSurviveASigkilledAgentAndAreReadopted() throws Exception {
    assumeTrue(Host.isRoot(), "needs root: namespaces and cgroups");
    AgentProcess first = agents.start();
    AgentClient client = first.client();
    Path fifo = Fifos.beside(first, "exit3");
    String exits = "readopt-exits-" + RUN;
    String killed = "readopt-killed-" + RUN;
    assertEquals(200, client.launch(exits, "read x < " + fifo + "; exit 3"), first.logTail());
    assertEquals(200, client.launch(killed, "sleep 1000 & sleep 1000"), first.logTail());
    int exitsInit = agents.initPid(client, exits);
    int killedInit = agents.initPid(client, killed);

    first.sigkill();
    assertTrue(Leaks.running(exitsInit), "the container outlives its agent");
    assertTrue(Leaks.running(killedInit), "the container outlives its agent");

    AgentProcess second = agents.restart(first);
    AgentClient again = second.client();
    Response.GetContainers.Container listed = again.container(exits).orElseThrow(
        () -> new AssertionError("GET_CONTAINERS does not list '" + exits + "'\n" + second.logTail()));
    assertEquals(exitsInit, listed.getContainerStatus().getExecutorPid());
    assertTrue(listed.getResourceStatistics().getMemTotalBytes() > 0 || listed.getResourceStatistics().getMemRssBytes() > 0,
        "usage of a re-adopted container: " + listed.getResourceStatistics());
    assertEquals(killedInit, again.container(killed).orElseThrow().getContainerStatus().getExecutorPid());

    Fifos.release(fifo);
    assertEquals(3 << 8, again.waitFor(exits, TIMEOUT).getExitStatus(), second.logTail());
    assertEquals(200, again.kill(killed), second.logTail());
    assertEquals(9, again.waitFor(killed, TIMEOUT).getExitStatus(), second.logTail());

    leaks.assertRemovedWithoutLeaks(second, List.of(exits, killed), List.of(exitsInit, killedInit));
  }

  @Test
  void containersThatEndedWhileTheAgentWasDownReportTheirStatus() throws Exception {
    assumeTrue(Host.isRoot(), "needs root: namespaces and cgroups");
    AgentProcess first = agents.start();
    AgentClient client = first.client();
    Path fifo = Fifos.beside(first, "exit5");
    String exited = "ended-exit5-" + RUN;
    String murdered = "ended-killed-" + RUN;
    assertEquals(200, client.launch(exited, "read x < " + fifo + "; exit 5"), first.logTail());
    assertEquals(200, client.launch(murdered, "sleep 1000"), first.logTail());
    int exitedInit = agents.initPid(client, exited);
    int murderedInit = agents.initPid(client, murdered);

    first.sigkill();
    Fifos.release(fifo);
    ProcessHandle.of(murderedInit).ifPresent(ProcessHandle::destroyForcibly);
    Eventually.await(TIMEOUT, () -> !Leaks.running(exitedInit) && !Leaks.running(murderedInit),
        "both inits to exit while no agent runs");

    AgentProcess second = agents.restart(first);
    AgentClient again = second.client();
    assertEquals(5 << 8, again.waitFor(exited, TIMEOUT).getExitStatus(), second.logTail());
    assertEquals(9, again.waitFor(murdered, TIMEOUT).getExitStatus(), "no recorded status: killed");
    leaks.assertRemovedWithoutLeaks(second, List.of(exited, murdered), List.of(exitedInit, murderedInit));
  }

  @Test
  void aSigtermedAgentLeavesItsContainersRunningForTheNextOne() throws Exception {
    assumeTrue(Host.isRoot(), "needs root: namespaces and cgroups");
    AgentProcess first = agents.start();
    String id = "sigterm-" + RUN;
    String done = "sigterm-done-" + RUN;
    assertEquals(200, first.client().launch(id, "sleep 1000"), first.logTail());
    int init = agents.initPid(first.client(), id);
    assertEquals(200, first.client().launch(done, "exit 7"), first.logTail());
    assertEquals(7 << 8, first.client().waitFor(done, TIMEOUT).getExitStatus());

    first.stop();
    assertEquals(0, first.exitValue(), first.logTail());
    assertTrue(Leaks.running(init), "SIGTERM of the agent leaves the container running");

    AgentProcess second = agents.restart(first);
    assertEquals(7 << 8, second.client().waitFor(done, TIMEOUT).getExitStatus(), "a termination survives restarts");
    assertEquals(200, second.client().kill(id), second.logTail());
    assertEquals(9, second.client().waitFor(id, TIMEOUT).getExitStatus());
    leaks.assertRemovedWithoutLeaks(second, List.of(id, done), List.of(init));
  }

  @Test
  void withoutAPidNamespaceTheAdoptedInitsSessionIsKilledToo() throws Exception {
    assumeTrue(Host.isRoot(), "needs root: the agent's default directories");
    AgentProcess first = agents.track(AgentProcess.start("--isolation=posix/cpu,posix/mem"));
    String id = "nopidns-" + RUN;
    assertEquals(200, first.client().launch(id, "sleep 1000 & sleep 1000"), first.logTail());
    int init = agents.initPid(first.client(), id);
    Eventually.await(TIMEOUT, () -> Host.descendants(init).size() >= 2, "both sleeps to start");
    List<Integer> sleeps = Host.descendants(init).stream().map(Host.Proc::pid).toList();

    first.sigkill();
    AgentProcess second = agents.track(first.restart("--isolation=posix/cpu,posix/mem"));
    assertEquals(200, second.client().kill(id), second.logTail());
    assertEquals(9, second.client().waitFor(id, TIMEOUT).getExitStatus());
    List<Integer> all = new ArrayList<>(sleeps);
    all.add(init);
    leaks.assertRemovedWithoutLeaks(second, List.of(id), all);
  }

  @Test
  void aCorruptCheckpointCostsOnlyItsOwnContainer() throws Exception {
    assumeTrue(Host.isRoot(), "needs root: namespaces and cgroups");
    AgentProcess first = agents.start();
    String corrupt = "corrupt-" + RUN;
    String healthy = "healthy-" + RUN;
    assertEquals(200, first.client().launch(corrupt, "sleep 1000"), first.logTail());
    assertEquals(200, first.client().launch(healthy, "sleep 1000"), first.logTail());
    int corruptInit = agents.initPid(first.client(), corrupt);
    int healthyInit = agents.initPid(first.client(), healthy);

    first.sigkill();
    Files.write(first.runtimeDir().resolve("containers").resolve(corrupt).resolve("config"),
        new byte[] {(byte) 0xff, 0x01, 0x02, (byte) 0x80});

    AgentProcess second = agents.restart(first);
    AgentClient again = second.client();
    Response.WaitContainer lost = again.waitFor(corrupt, TIMEOUT);
    assertEquals(TaskState.TASK_FAILED, lost.getState());
    assertTrue(lost.getMessage().startsWith("Failed to recover container '" + corrupt
        + "': Failed to read checkpoint 'config'"), lost.getMessage());
    Eventually.await(TIMEOUT, () -> !Leaks.running(corruptInit), "the unrecoverable container's init to be killed");
    assertTrue(Leaks.running(healthyInit), "its neighbour still runs");
    assertEquals(healthyInit, again.container(healthy).orElseThrow().getContainerStatus().getExecutorPid());

    assertEquals(200, again.kill(healthy));
    assertEquals(9, again.waitFor(healthy, TIMEOUT).getExitStatus());
    leaks.assertRemovedWithoutLeaks(second, List.of(corrupt, healthy), List.of(corruptInit, healthyInit));
  }

  @Test
  void recoverCleanupDestroysEveryContainer() throws Exception {
    assumeTrue(Host.isRoot(), "needs root: namespaces and cgroups");
    AgentProcess first = agents.start();
    String id = "cleanup-" + RUN;
    assertEquals(200, first.client().launch(id, "sleep 1000"), first.logTail());
    int init = agents.initPid(first.client(), id);

    first.sigkill();
    String[] flags = List.of(ISOLATION[0], ISOLATION[1], "--recover=cleanup").toArray(String[]::new);
    AgentProcess second = agents.track(first.restart(flags));
    Response.WaitContainer wait = second.client().waitFor(id, TIMEOUT);
    assertEquals(TaskState.TASK_FAILED, wait.getState());
    assertTrue(wait.getMessage().contains("--recover=cleanup"), wait.getMessage());
    assertFalse(Leaks.running(init), "destroyed on recovery");
    leaks.assertRemovedWithoutLeaks(second, List.of(id), List.of(init));
  }

  /**
   * SIGKILL in ISOLATING, for real: the sandbox's {@code stdout} is a FIFO nobody reads, so the
   * launch helper blocks opening it, after the plan is checkpointed and before the init exists.
   * The restarted agent reports the launch as failed in ISOLATING and kills the helper, which
   * no checkpoint explains (it holds the sandbox's stderr).
   */
  @Test
  void aSigkillWhileTheInitIsForkedDestroysAndReportsTheLaunch() throws Exception {
    assumeTrue(Host.isRoot(), "needs root: namespaces and cgroups");
    AgentProcess first = agents.start();
    String id = "isolating-real-" + RUN;
    Path sandbox = Files.createDirectories(first.sandbox(id));
    Fifos.make(sandbox.resolve("stdout"));
    java.util.concurrent.CompletableFuture<java.net.http.HttpResponse<String>> launch =
        first.client().postJsonAsync(AgentClient.launchJson(id, "true"));
    Path config = first.runtimeDir().resolve("containers").resolve(id).resolve("config");
    Eventually.await(TIMEOUT, () -> hasPlan(config), () -> "the plan to be checkpointed\n" + first.logTail());
    Eventually.await(TIMEOUT, () -> helpers(first).size() == 1, "the launch helper to block on its stdout");
    int helper = helpers(first).get(0);
    agents.pids().add(helper);
    assertFalse(Files.exists(config.resolveSibling("pids")), "the init is not forked yet");
    assertFalse(launch.isDone(), "the launch is still in progress");

    String before = ps();
    first.sigkill();
    assertTrue(Leaks.running(helper), () -> "the helper outlives the agent: " + helper + "\nbefore:\n" + before + "\nafter:\n" + ps());
    AgentProcess second = agents.restart(first);
    Response.WaitContainer wait = second.client().waitFor(id, TIMEOUT);
    assertEquals(TaskStatus.Reason.REASON_CONTAINER_LAUNCH_FAILED, wait.getReason());
    assertEquals("Failed to launch container: the agent stopped while it was ISOLATING", wait.getMessage());
    leaks.assertRemovedWithoutLeaks(second, List.of(id), List.of(helper));
  }

  private static String ps() {
    try {
      Process p = new ProcessBuilder("ps", "-eo", "pid,ppid,pgid,sid,stat,wchan:20,comm").start();
      return new String(p.getInputStream().readAllBytes()).lines().filter(l -> l.contains("corral") || l.contains("java"))
          .collect(Collectors.joining("\n"));
    } catch (IOException e) {
      return e.toString();
    }
  }

  private static boolean hasPlan(Path config) {
    try {
      return ContainerConfig.parseFrom(Files.readAllBytes(config)).hasPlan();
    } catch (IOException e) {
      return false;
    }
  }

  /** The agent's corral-init children. */
  private static List<Integer> helpers(AgentProcess agent) {
    return Host.descendants((int) agent.pid()).stream()
        .filter(p -> p.comm().equals("corral-init")).map(Host.Proc::pid).toList();
  }

  /**
   * The launch states before RUNNING, as the checkpoints of an agent killed in them look: a
   * config without a plan (PREPARING) and a config with a plan but no pids (ISOLATING). Both are
   * destroyed and reported as failed launches; an orphan sandbox and an orphan cgroup go too.
   */
  @Test
  void launchesCutShortAndOrphansAreDestroyed() throws Exception {
    assumeTrue(Host.isRoot(), "needs root: namespaces and cgroups");
    AgentProcess first = agents.start();
    String sample = "sample-" + RUN;
    assertEquals(200, first.client().launch(sample, "sleep 1000"), first.logTail());
    first.sigkill();
    Path runtime = first.runtimeDir().resolve("containers");
    ContainerConfig running = ContainerConfig.parseFrom(Files.readAllBytes(runtime.resolve(sample).resolve("config")));

    String preparing = "preparing-" + RUN;
    String isolating = "isolating-" + RUN;
    checkpoint(first, preparing, running.toBuilder().clearPlan().setLaunch(launch(preparing)).build());
    checkpoint(first, isolating, running.toBuilder().setLaunch(launch(isolating)).build());
    Path ghostSandbox = Files.createDirectories(first.sandbox("ghost-" + RUN));
    Path ghostCgroup = Files.createDirectories(Host.cgroup("cpu", CGROUPS_ROOT, "ghost-" + RUN));
    // An orphan freezer cgroup with a live process in it: the launcher kills it and removes it.
    Path ghostFreezer = Files.createDirectories(Host.cgroup("freezer", CGROUPS_ROOT,
        (Host.unifiedCgroups() ? "ghost-with-process-" : "ghost-") + RUN));
    Process ghost = new ProcessBuilder("sleep", "1000").start();
    agents.pids().add((int) ghost.pid());
    Files.writeString(ghostFreezer.resolve("cgroup.procs"), Long.toString(ghost.pid()));

    AgentProcess second = agents.restart(first);
    AgentClient again = second.client();
    for (String[] expected : new String[][] {{preparing, "PREPARING"}, {isolating, "ISOLATING"}}) {
      Response.WaitContainer wait = again.waitFor(expected[0], TIMEOUT);
      assertEquals(TaskStatus.Reason.REASON_CONTAINER_LAUNCH_FAILED, wait.getReason());
      assertEquals("Failed to launch container: the agent stopped while it was " + expected[1], wait.getMessage());
    }
    assertFalse(Files.exists(ghostSandbox), "orphan sandbox removed");
    assertFalse(Files.exists(ghostCgroup), "orphan cgroup removed");
    assertFalse(Files.exists(ghostFreezer), "orphan freezer cgroup removed");
    assertTrue(ghost.waitFor(TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS),
        "the orphan freezer cgroup's process was killed");
    assertEquals(137, ghost.exitValue());
    assertEquals(200, again.kill(sample));
    again.waitFor(sample, TIMEOUT);
    leaks.assertRemovedWithoutLeaks(second, List.of(preparing, isolating, sample), List.of());
  }

  // ---- helpers --------------------------------------------------------------------------------

  private static Call.LaunchContainer launch(String id) {
    return Call.LaunchContainer.newBuilder().setContainerId(ContainerID.newBuilder().setValue(id)).build();
  }

  private static void checkpoint(AgentProcess agent, String id, ContainerConfig config) throws IOException {
    Path dir = Files.createDirectories(agent.runtimeDir().resolve("containers").resolve(id));
    Files.createDirectories(agent.sandbox(id));
    Files.write(dir.resolve("config"), config.toByteArray());
  }
}
