package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.it.support.AgentClient;
import io.corral.it.support.AgentProcess;
import io.corral.it.support.Agents;
import io.corral.it.support.Fifos;
import io.corral.it.support.Host;
import io.corral.it.support.Leaks;
import io.corral.proto.v1.TaskState;
import io.corral.proto.v1.TaskStatus;
import io.corral.proto.v1.agent.Response;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What an agent re-adopts besides the init, on the real kernel: after a SIGKILL and a
 * restart, a recovered container that goes over its memory limit is still caught by the OOM
 * watch, one that writes past its disk quota by the disk watch (disk/du, enforced), and the
 * net_cls handle of a recovered container that still runs is not handed out to a new one.
 * The containers wait on FIFOs that the test opens once the new agent runs, so no timing is
 * assumed.
 */
@Tag("root")
class RecoveredWatchesIT {
  private static final String RUN = Long.toString(ProcessHandle.current().pid());
  private static final String CGROUPS_ROOT = "corral-it-rewatch-" + RUN;
  private static final String[] FLAGS = {
      "--isolation=filesystem/posix,cgroups/mem,cgroups/net_cls,namespaces/pid,disk/du",
      "--container_disk_watch_interval=200ms",
      "--enforce_container_disk_quota",
      "--cgroups_net_cls_primary_handle=0xC0A2",
      "--cgroups_root=" + CGROUPS_ROOT};
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private final Agents agents = new Agents(CGROUPS_ROOT, FLAGS);
  private final List<Integer> pids = agents.pids();
  private final Leaks leaks = new Leaks(CGROUPS_ROOT, List.of("memory", "net_cls", "freezer"));

  @AfterEach
  void killWhatIsLeft() {
    agents.close();
  }

  @Test
  void aRecoveredContainerIsStillWatchedForMemoryAndDiskAndKeepsItsNetClsHandle() throws Exception {
    assumeTrue(Host.isRoot(), "needs root: namespaces and cgroups");
    AgentProcess first = agents.track(AgentProcess.start(FLAGS));
    String idle = "idle-" + RUN;
    String hog = "hog-" + RUN;
    String writer = "writer-" + RUN;
    Path hogGo = Fifos.beside(first, "hog");
    Path writerGo = Fifos.beside(first, "writer");
    // The idle one first: it holds the lowest handle, the one a forgetful agent would give again.
    launch(first.client(), idle, "exec sleep 1000", 64, 100);
    launch(first.client(), hog, "read x < " + hogGo + "; head -c 300m /dev/zero | tail", 64, 100);
    launch(first.client(), writer, "read x < " + writerGo + "; dd if=/dev/zero of=big bs=1M count=3 2>/dev/null;"
        + " exec sleep 1000", 64, 1);
    String idleHandle = classid(idle);
    for (String id : List.of(idle, hog, writer)) {
      pids.add(first.client().container(id).orElseThrow().getContainerStatus().getExecutorPid());
    }

    first.sigkill();
    AgentProcess second = agents.track(first.restart(FLAGS));
    AgentClient client = second.client();
    Fifos.release(hogGo);
    Fifos.release(writerGo);

    Response.WaitContainer oom = client.waitFor(hog, TIMEOUT);
    assertEquals(TaskState.TASK_FAILED, oom.getState(), oom.toString());
    assertEquals(TaskStatus.Reason.REASON_CONTAINER_LIMITATION_MEMORY, oom.getReason(), oom + second.logTail());
    assertTrue(oom.getMessage().startsWith("Memory limit exceeded: Requested: 64MB"), oom.getMessage());

    Response.WaitContainer full = client.waitFor(writer, TIMEOUT);
    assertEquals(TaskState.TASK_FAILED, full.getState(), full.toString());
    assertEquals(TaskStatus.Reason.REASON_CONTAINER_LIMITATION_DISK, full.getReason(), full + second.logTail());
    assertTrue(full.getMessage().matches("Disk usage \\((\\d+KB|[23]MB)\\) exceeds quota \\(1MB\\)"), full.getMessage());

    Set<String> handles = new HashSet<>(Set.of(idleHandle));
    List<String> fresh = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      String id = "fresh-" + i + "-" + RUN;
      launch(client, id, "exec sleep 1000", 64, 100);
      pids.add(client.container(id).orElseThrow().getContainerStatus().getExecutorPid());
      fresh.add(id);
      String handle = classid(id);
      assertNotEquals(idleHandle, handle, "the recovered container's handle is not handed out again");
      assertTrue(handles.add(handle), "a handle given twice: " + handle);
    }
    assertEquals(idleHandle, classid(idle), "the idle container keeps its handle");

    List<String> all = new ArrayList<>(List.of(idle, hog, writer));
    all.addAll(fresh);
    for (String id : all) {
      if (!id.equals(hog) && !id.equals(writer)) {
        assertEquals(200, client.kill(id), second.logTail());
        assertEquals(9, client.waitFor(id, TIMEOUT).getExitStatus(), id + " was still running");
      }
    }
    leaks.assertRemovedWithoutLeaks(second, all, pids);
  }

  private static void launch(AgentClient client, String id, String command, double memMb, double diskMb) {
    HttpResponse<String> r = client.postJson(AgentClient.launchJsonRaw(
        "\"container_id\":{\"value\":" + AgentClient.quote(id) + "},"
            + "\"command\":{\"value\":" + AgentClient.quote(command) + "},"
            + "\"resources\":[{\"name\":\"mem\",\"type\":\"SCALAR\",\"scalar\":{\"value\":" + memMb + "}},"
            + "{\"name\":\"disk\",\"type\":\"SCALAR\",\"scalar\":{\"value\":" + diskMb + "}}]"));
    assertEquals(200, r.statusCode(), r.body());
  }

  /** The container's {@code net_cls.classid}, as the kernel holds it. */
  private static String classid(String id) throws IOException {
    return Files.readString(Path.of("/sys/fs/cgroup/net_cls", CGROUPS_ROOT, id, "net_cls.classid")).trim();
  }

}
