package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.it.support.AgentClient;
import io.corral.it.support.AgentProcess;
import io.corral.it.support.Agents;
import io.corral.it.support.Eventually;
import io.corral.it.support.Host;
import io.corral.it.support.Leaks;
import io.corral.proto.v1.ResourceStatistics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Pressure stall information from the real kernel, through a real agent with
 * {@code cgroups/cpu,cgroups/mem}: on a v1 host with a cgroup2 mount (systemd's hybrid layout,
 * {@code /sys/fs/cgroup/unified}) each container gets a cgroup2 cgroup of its own there, and on a
 * v2 host its one cgroup is read. A CPU-busy container (more busy loops than CPUs) and a
 * memory-hungry one (page cache streamed through a 32 MB memory cgroup) report their
 * {@code cpu_pressure}, {@code memory_pressure} and {@code io_pressure} in GET_CONTAINERS and
 * {@code /containers}; the cgroup2 cgroups are adopted after an agent SIGKILL and restart, a
 * cgroup2 orphan is removed with its process killed, and nothing is left after REMOVE.
 */
@Tag("root")
class PressureIT {
  private static final String RUN = Long.toString(ProcessHandle.current().pid());
  private static final String CGROUPS_ROOT = "corral-it-psi-" + RUN;
  private static final Path CGROUP = Path.of("/sys/fs/cgroup");
  /** Where the containers' cgroup2 cgroups are: the v2 hierarchy, or the hybrid host's mount. */
  private static final Path UNIFIED = Host.unifiedCgroups() ? CGROUP : CGROUP.resolve("unified");
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private final Agents agents = new Agents(CGROUPS_ROOT,
      "--isolation=filesystem/posix,namespaces/pid,cgroups/cpu,cgroups/mem",
      "--cgroups_root=" + CGROUPS_ROOT);

  @AfterEach
  void killWhatIsLeft() {
    agents.close();
  }

  @Test
  void busyAndHungryContainersReportTheKernelsPressureAndLeaveNoCgroup2CgroupBehind()
      throws Exception {
    assumeTrue(Host.isRoot(), "needs root: namespaces and cgroups");
    assumeTrue(Files.isRegularFile(UNIFIED.resolve("cgroup.controllers")),
        "needs a cgroup2 mount at " + UNIFIED);
    assumeTrue(Files.isRegularFile(UNIFIED.resolve("cpu.pressure")),
        "needs pressure stall information (CONFIG_PSI, psi=1): no " + UNIFIED.resolve("cpu.pressure"));
    Leaks leaks = new Leaks(CGROUPS_ROOT, List.of("cpu", "memory", "freezer", "unified"));
    AgentProcess first = agents.start();
    AgentClient client = first.client();
    String busy = "busy-" + RUN;
    String hungry = "hungry-" + RUN;
    int cpus = Runtime.getRuntime().availableProcessors();
    assertEquals(200, client.launch(busy, "i=0; while [ $i -le " + cpus + " ]; do"
        + " (while :; do :; done) & i=$((i+1)); done; wait"), first.logTail());
    assertEquals(200, client.postJson(AgentClient.launchJsonRaw("\"container_id\":{\"value\":"
        + AgentClient.quote(hungry) + "},\"command\":{\"value\":" + AgentClient.quote(
            "dd if=/dev/zero of=big bs=1M count=128 status=none; while :; do cat big > /dev/null;"
                + " done") + "},\"resources\":[{\"name\":\"mem\",\"type\":\"SCALAR\","
        + "\"scalar\":{\"value\":32}}]")).statusCode(), first.logTail());
    int busyInit = agents.initPid(client, busy);
    int hungryInit = agents.initPid(client, hungry);
    Path busyCgroup = UNIFIED.resolve(CGROUPS_ROOT).resolve(busy);
    assertTrue(Files.readString(busyCgroup.resolve("cgroup.procs")).contains(Integer.toString(busyInit)),
        "the init is in its cgroup2 cgroup " + busyCgroup);

    Eventually.await(TIMEOUT, () -> usage(client, busy).getCpuPressure().getSomeTotalMicrosecs() > 0,
        () -> "cpu pressure of the busy container: " + usage(client, busy));
    ResourceStatistics hungryUsage = usage(client, hungry);
    assertTrue(hungryUsage.hasCpuPressure() && hungryUsage.hasMemoryPressure()
        && hungryUsage.hasIoPressure(), hungryUsage.toString());
    assertTrue(usage(client, busy).getCpusUserTimeSecs() > 0, "the v1 usage is still there");
    String json = client.request("GET", "/containers").body();
    assertTrue(json.contains("\"cpu_pressure\"") && json.contains("\"some_total_microsecs\""), json);
    assertEquals(9, kill(client, busy), "the busy one is done");

    first.sigkill();
    Path orphan = Files.createDirectories(UNIFIED.resolve(CGROUPS_ROOT).resolve("ghost-" + RUN));
    Process ghost = new ProcessBuilder("sleep", "1000").start();
    agents.pids().add((int) ghost.pid());
    Files.writeString(orphan.resolve("cgroup.procs"), Long.toString(ghost.pid()));
    AgentProcess second = agents.restart(first);
    AgentClient again = second.client();
    assertFalse(Files.exists(orphan), "the orphan cgroup2 cgroup is removed");
    Eventually.await(TIMEOUT, () -> !Leaks.running((int) ghost.pid()), "the orphan's process killed");
    ResourceStatistics recovered = usage(again, hungry);
    assertTrue(recovered.getCpuPressure().getSomeTotalMicrosecs() >= hungryUsage.getCpuPressure()
        .getSomeTotalMicrosecs(), "the adopted cgroup2 cgroup keeps counting: " + recovered);
    assertEquals(9, kill(again, hungry), second.logTail());
    leaks.assertRemovedWithoutLeaks(second, List.of(busy, hungry), List.of(busyInit, hungryInit));
    assertFalse(Files.exists(busyCgroup));
  }

  private static ResourceStatistics usage(AgentClient client, String id) {
    return client.container(id).orElseThrow(() -> new AssertionError("'" + id + "' not listed"))
        .getResourceStatistics();
  }

  private static int kill(AgentClient client, String id) {
    assertEquals(200, client.kill(id));
    return client.waitFor(id, TIMEOUT).getExitStatus();
  }
}
