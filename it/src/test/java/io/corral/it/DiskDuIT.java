package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.it.support.AgentClient;
import io.corral.it.support.AgentProcess;
import io.corral.it.support.Eventually;
import io.corral.it.support.Host;
import io.corral.proto.v1.ResourceStatistics;
import io.corral.proto.v1.TaskState;
import io.corral.proto.v1.TaskStatus;
import io.corral.proto.v1.agent.Response;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * disk/du end to end: a real agent, real containers, the real {@code du} (or a stub {@code du}
 * first on the agent's {@code PATH} that hangs), with a 200ms watch interval. A writer past its
 * quota is destroyed with Mesos' reason and message while its neighbour runs on; without
 * enforcement usage is only reported (GET_CONTAINERS, {@code /monitor/statistics},
 * {@code /containers}); a directory bind-mounted into a sandbox is not counted; a hung
 * {@code du} is killed at its timeout and the container survives; destroying a container kills
 * its running {@code du} before the termination is reported; a container recovered by a
 * restarted agent is measured and enforced by the new agent's watcher.
 */
@Tag("root")
class DiskDuIT {
  private static final String ISOLATION = AgentProcess.FULL_ISOLATION + ",disk/du";
  private static final String INTERVAL = "--container_disk_watch_interval=200ms";
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final long MB = 1 << 20;

  @TempDir Path temp;

  private static void launch(AgentClient client, String id, String command, double diskMb) {
    HttpResponse<String> r = client.postJson(AgentClient.launchJsonRaw(
        "\"container_id\":{\"value\":" + AgentClient.quote(id) + "},"
            + "\"command\":{\"value\":" + AgentClient.quote(command) + "},"
            + "\"resources\":[{\"name\":\"disk\",\"type\":\"SCALAR\",\"scalar\":{\"value\":" + diskMb + "}}]"));
    assertEquals(200, r.statusCode(), r.body());
  }

  private static ResourceStatistics statistics(AgentClient client, String id) {
    return client.container(id).orElseThrow(() -> new AssertionError("'" + id + "' is not listed"))
        .getResourceStatistics();
  }

  /**
   * Kills a container that must still have been running, checks it was not killed for disk,
   * and removes it.
   */
  private static void killRunning(AgentClient client, String id) {
    kill(client, id);
    assertEquals(200, client.remove(id));
  }

  private static void kill(AgentClient client, String id) {
    assertEquals(200, client.kill(id));
    Response.WaitContainer end = client.waitFor(id);
    assertEquals(9, end.getExitStatus(), "killed by our SIGKILL, so it was still running: " + end);
    assertNotEquals(TaskStatus.Reason.REASON_CONTAINER_LIMITATION_DISK, end.getReason());
  }

  @Test
  void withEnforcementAWriterPastItsQuotaIsDestroyedAndItsNeighbourRunsOn() {
    assumeTrue(Host.isRoot(), "needs root: real namespaces");
    try (AgentProcess agent = AgentProcess.start(ISOLATION, INTERVAL, "--enforce_container_disk_quota")) {
      AgentClient client = agent.client();
      launch(client, "neighbour", "exec sleep 1000", 1);
      launch(client, "writer", "dd if=/dev/zero of=big bs=1M count=3 2>/dev/null; exec sleep 1000", 1);

      Response.WaitContainer end = client.waitFor("writer", WAIT);

      assertEquals(TaskState.TASK_FAILED, end.getState(), end.toString());
      assertEquals(TaskStatus.Reason.REASON_CONTAINER_LIMITATION_DISK, end.getReason());
      // The sample may catch dd half way: any usage above the 1MB quota, in stout's units.
      assertTrue(end.getMessage().matches("Disk usage \\((\\d+KB|[23]MB)\\) exceeds quota \\(1MB\\)"),
          end.getMessage());
      assertEquals("disk", end.getLimitation().getResources(0).getName());
      assertEquals(1.0, end.getLimitation().getResources(0).getScalar().getValue());
      ResourceStatistics neighbour = statistics(client, "neighbour");
      assertEquals(MB, neighbour.getDiskLimitBytes());
      killRunning(client, "neighbour");
      assertEquals(200, client.remove("writer"));
      String state = client.request("GET", "/state").body();
      assertTrue(state.contains("\"container_disk_watch_interval\":\"200ms\""), state);
      assertTrue(state.contains("\"enforce_container_disk_quota\":\"true\""), state);
      String flags = client.postJson("{\"type\":\"GET_FLAGS\"}").body();
      assertTrue(flags.contains("{\"name\":\"container_disk_watch_parallelism\",\"value\":\""), flags);
    }
  }

  @Test
  void withoutEnforcementUsageIsReportedEverywhereAndMountsInTheSandboxAreNotCounted()
      throws Exception {
    assumeTrue(Host.isRoot(), "needs root: real namespaces and a bind mount");
    try (AgentProcess agent = AgentProcess.start(ISOLATION, INTERVAL)) {
      AgentClient client = agent.client();
      launch(client, "over", "dd if=/dev/zero of=big bs=1M count=2 2>/dev/null; exec sleep 1000", 1);
      launch(client, "vols", "while [ ! -e go ]; do sleep 0.05; done;"
          + " dd if=/dev/zero of=own bs=1M count=2 2>/dev/null; exec sleep 1000", 100);

      Eventually.await(WAIT, () -> statistics(client, "over").getDiskUsedBytes() >= 2 * MB,
          () -> "2MB used by 'over': " + statistics(client, "over") + agent.logTail());
      assertEquals(MB, statistics(client, "over").getDiskLimitBytes());
      for (String path : List.of("/monitor/statistics", "/containers")) {
        String body = client.request("GET", path).body();
        assertTrue(body.contains("\"disk_limit_bytes\":1048576"), path + ": " + body);
        assertTrue(body.contains("\"disk_used_bytes\":"), path + ": " + body);
      }

      // A 4MB directory of the host, bound into the sandbox in the agent's mount namespace.
      Path volume = Files.createDirectories(temp.resolve("volume"));
      Files.write(volume.resolve("data"), new byte[4 << 20]);
      Path target = Files.createDirectories(agent.sandbox("vols").resolve("vol"));
      run("mount", "--bind", volume.toString(), target.toString());
      try {
        Files.createFile(agent.sandbox("vols").resolve("go"));
        // A run that read the mount table just before the mount may still count the volume
        // once; every run after it must not: wait for the sandbox's own 2MB without the 4MB.
        Eventually.await(WAIT, () -> {
          long used = statistics(client, "vols").getDiskUsedBytes();
          return used >= 2 * MB && used < 3 * MB;
        }, () -> "2MB used by 'vols', the bound 4MB not counted: " + statistics(client, "vols")
            + agent.logTail());
        kill(client, "vols");
      } finally {
        run("umount", target.toString());
      }
      assertEquals(200, client.remove("vols"));
      assertTrue(Files.exists(volume.resolve("data")), "the volume's data is untouched");
      killRunning(client, "over");
    }
  }

  @Test
  void aHungDuIsKilledAtItsTimeoutAndDestroyKillsTheRunningOne() throws Exception {
    assumeTrue(Host.isRoot(), "needs root: real namespaces");
    Path stubs = Files.createDirectories(temp.resolve("bin"));
    Path pids = temp.resolve("du.pids");
    Path du = Files.writeString(stubs.resolve("du"),
        "#!/bin/sh\necho $$ >> '" + pids + "'\nexec sleep 1000\n");
    Files.setPosixFilePermissions(du, PosixFilePermissions.fromString("rwxr-xr-x"));
    Map<String, String> path = Map.of("PATH", stubs + ":" + System.getenv("PATH"));
    try (AgentProcess agent = AgentProcess.start(path, ISOLATION, INTERVAL,
        "--container_disk_watch_timeout=2secs", "--enforce_container_disk_quota")) {
      AgentClient client = agent.client();
      launch(client, "slow", "dd if=/dev/zero of=big bs=1M count=3 2>/dev/null; exec sleep 1000", 1);

      Eventually.await(WAIT, () -> lines(pids).size() >= 2, () -> "a second du run" + agent.logTail());
      long first = Long.parseLong(lines(pids).get(0));
      assertFalse(ProcessHandle.of(first).map(ProcessHandle::isAlive).orElse(false), "the timed-out du is dead");
      assertTrue(agent.logTail().contains("did not finish within 2000ms and was killed"), agent.logTail());
      assertFalse(statistics(client, "slow").hasDiskUsedBytes(), "no sample came from a hung du");

      Eventually.await(WAIT, () -> alive(lines(pids).get(lines(pids).size() - 1)), "a du running");
      killRunning(client, "slow");

      for (String pid : lines(pids)) {
        assertFalse(alive(pid), "du " + pid + " is dead once the container is destroyed");
      }
      List<Host.Proc> left = Host.descendants((int) agent.pid()).stream()
          .filter(p -> p.comm().equals("sleep") || p.comm().equals("du")).toList();
      assertEquals(List.of(), left);
    }
  }

  @Test
  void aContainerRecoveredByARestartedAgentIsMeasuredAndEnforced() throws Exception {
    assumeTrue(Host.isRoot(), "needs root: real namespaces");
    String[] flags = {ISOLATION, INTERVAL, "--enforce_container_disk_quota"};
    AgentProcess first = AgentProcess.start(flags);
    try {
      launch(first.client(), "survivor", "while [ ! -e go ]; do sleep 0.05; done;"
          + " dd if=/dev/zero of=big bs=1M count=3 2>/dev/null; exec sleep 1000", 1);
      Eventually.await(WAIT, () -> statistics(first.client(), "survivor").hasDiskUsedBytes(),
          () -> "a first sample by the first agent" + first.logTail());
      first.sigkill();
    } finally {
      first.close();
    }
    try (AgentProcess second = first.restart(flags)) {
      AgentClient client = second.client();
      assertEquals(MB, statistics(client, "survivor").getDiskLimitBytes(), second.logTail());
      // Only now does the container write past its quota: only the new agent's watcher can see it.
      Files.createFile(second.sandbox("survivor").resolve("go"));

      Response.WaitContainer end = client.waitFor("survivor", WAIT);

      assertEquals(TaskState.TASK_FAILED, end.getState(), end + second.logTail());
      assertEquals(TaskStatus.Reason.REASON_CONTAINER_LIMITATION_DISK, end.getReason());
      assertTrue(end.getMessage().matches("Disk usage \\((\\d+KB|[23]MB)\\) exceeds quota \\(1MB\\)"),
          end.getMessage());
      assertEquals(200, client.remove("survivor"));
    }
  }

  private static boolean alive(String pid) {
    return ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false);
  }

  private static List<String> lines(Path file) {
    try {
      return Files.exists(file) ? Files.readAllLines(file).stream().filter(l -> !l.isBlank()).toList() : List.of();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + output);
  }

}
