package io.corral.it;

import static io.corral.it.support.EmbeddedContainerizer.id;
import static io.corral.it.support.EmbeddedContainerizer.scalar;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.isolators.cgroups.CpuController;
import io.corral.it.support.AgentProcess;
import io.corral.it.support.EmbeddedContainerizer;
import io.corral.it.support.Eventually;
import io.corral.it.support.Host;
import io.corral.it.support.Patience;
import io.corral.proto.v1.CommandInfo;
import io.corral.proto.v1.ContainerTermination;
import io.corral.proto.v1.ResourceStatistics;
import io.corral.proto.v1.TaskState;
import io.corral.proto.v1.TaskStatus;
import io.corral.proto.v1.agent.Call;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The {@code cgroups/*} isolators and the launcher's destroy on a cgroup v2 (unified) host, for
 * real: the limits land in {@code cpu.weight}, {@code cpu.max}, {@code memory.max},
 * {@code memory.low} and {@code pids.max}; usage comes from {@code cpu.stat},
 * {@code memory.current}, {@code memory.stat} and {@code pids.current}; an OOM kill counted in
 * {@code memory.events} ends the container with REASON_CONTAINER_LIMITATION_MEMORY; a container
 * without a pid namespace is destroyed whole through {@code cgroup.kill}; and
 * {@code cgroups/net_cls} is refused at start. This host may boot cgroup v1: then these tests
 * skip here and run in the test guest ({@code GuestKernelIT}), which boots v2 only.
 */
@Tag("root")
class CgroupsV2IT {
  private static final Path UNIFIED = Path.of("/sys/fs/cgroup");
  /** A whole {@code corral run} (a JVM): slow in an emulated guest. */
  private static final Duration RUN = Patience.of(Duration.ofMinutes(2));
  private static final String ISOLATION = "filesystem/posix,cgroups/cpu,cgroups/mem,cgroups/pids";

  private EmbeddedContainerizer corral;

  @BeforeEach
  void start() throws IOException {
    assumeTrue(Host.isRoot(), "needs root: cgroups");
    assumeTrue(Files.exists(UNIFIED.resolve("cgroup.controllers")),
        "needs the cgroup v2 unified hierarchy at " + UNIFIED + " (GuestKernelIT runs this test on one)");
    corral = EmbeddedContainerizer.start("v2", ISOLATION, c -> c.withLimits(true, 64));
  }

  @AfterEach
  void stop() {
    if (corral != null) {
      corral.close();
      assertFalse(Files.exists(UNIFIED.resolve(corral.cgroups().root())), "the root cgroup is removed");
    }
  }

  private Path cgroup(String id) {
    return UNIFIED.resolve(corral.cgroups().root()).resolve(id);
  }

  @Test
  void limitsAndUsageUseTheV2Files() throws IOException {
    corral.launch(Call.LaunchContainer.newBuilder().setContainerId(id("l"))
        .setCommand(CommandInfo.newBuilder().setValue("sleep 1000 & exec sleep 1000"))
        .addResources(scalar("cpus", 0.5)).addResources(scalar("mem", 64)).build());
    Path cgroup = cgroup("l");
    assertEquals(Long.toString(CpuController.weight(512)), read(cgroup, "cpu.weight"));
    assertEquals("50000 100000", read(cgroup, "cpu.max"));
    assertEquals(Long.toString(64L << 20), read(cgroup, "memory.max"));
    assertEquals(Long.toString(64L << 20), read(cgroup, "memory.low"));
    assertEquals("64", read(cgroup, "pids.max"));
    Eventually.await(EmbeddedContainerizer.REPLY, () -> sleeps(cgroup).size() == 2,
        () -> "both sleeps in '" + cgroup + "': " + procs(cgroup));
    int pid = sleeps(cgroup).get(0);
    assertEquals("0::/" + corral.cgroups().root() + "/l",
        Files.readString(Path.of("/proc", Integer.toString(pid), "cgroup")).trim());

    ResourceStatistics usage = corral.usage("l");
    assertEquals(64L << 20, usage.getMemLimitBytes(), usage.toString());
    assertTrue(usage.getMemTotalBytes() > 0, usage.toString());
    assertEquals(procs(cgroup).size(), usage.getProcesses(), usage.toString());
    assertTrue(usage.getThreads() >= usage.getProcesses() && usage.getProcesses() >= 2, usage.toString());
    assertTrue(usage.hasCpusUserTimeSecs() && usage.hasCpusSystemTimeSecs(), usage.toString());
    assertTrue(usage.hasCpusNrPeriods() && usage.hasMemLowPressureCounter(), usage.toString());
    assertEquals(9, corral.killAndWait("l"));
    assertFalse(Files.exists(cgroup), "the container's cgroup is removed");
  }

  @Test
  void anOomKillIsAMemoryLimitation() {
    // tail keeps its newline-free input in memory: 256 MB through a 32 MB limit
    corral.launch("oom", "head -c 268435456 /dev/zero | tail; exec sleep 1000", 32);
    ContainerTermination end = corral.awaitAndRemove("oom", Patience.of(Duration.ofSeconds(60)));
    assertEquals(TaskStatus.Reason.REASON_CONTAINER_LIMITATION_MEMORY, end.getReason(), end.toString());
    assertEquals(TaskState.TASK_FAILED, end.getState(), end.toString());
    assertTrue(end.getMessage().startsWith("Memory limit exceeded: Requested: 32MB"), end.getMessage());
    assertTrue(end.getMessage().contains("MEMORY STATISTICS:"), end.getMessage());
  }

  @Test
  void destroyKillsEveryProcessOfTheCgroup() {
    // no pid namespace: the launcher's cgroup is all that holds these together
    corral.launch("tree", "for i in 1 2 3; do setsid sleep 1000 & done; exec sleep 1000", 32);
    Path cgroup = cgroup("tree");
    Eventually.await(EmbeddedContainerizer.REPLY, () -> sleeps(cgroup).size() == 4,
        () -> "four sleeps in '" + cgroup + "': " + procs(cgroup));
    List<Host.Proc> sleeps = procs(cgroup).stream().map(Host::read).filter(p -> p != null).toList();
    assertEquals(9, corral.killAndWait("tree"));
    assertEquals(List.of(), sleeps.stream().filter(Host.Proc::alive).toList(), "processes left");
    assertFalse(Files.exists(cgroup), "the container's cgroup is removed");
  }

  @Test
  void netClsIsRefusedAtStart() throws Exception {
    Process run = new ProcessBuilder(AgentProcess.corralCommand("run",
        "--isolation=cgroups/net_cls", "--", "true")).redirectErrorStream(true).start();
    String output = ended(run);
    assertTrue(run.exitValue() != 0, output);
    assertTrue(output.contains("net_cls exists only in cgroup v1"), output);
  }

  /** Started in its own root (as under systemd with Delegate=yes), it moves into a leaf first. */
  @Test
  void anAgentStartedInItsRootMovesIntoALeaf() throws Exception {
    String root = "corral-it-leaf-" + ProcessHandle.current().pid();
    Path dir = Files.createDirectory(UNIFIED.resolve(root));
    try {
      List<String> command = new ArrayList<>(List.of("sh", "-c", "echo $$ > \"$0\" && exec \"$@\"",
          dir.resolve("cgroup.procs").toString()));
      command.addAll(AgentProcess.corralCommand("run", "--cgroups_root=" + root,
          "--isolation=filesystem/posix,cgroups/cpu,cgroups/mem", "--", "cat", "/proc/self/cgroup"));
      Process run = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = ended(run);
      assertEquals(0, run.exitValue(), output);
      assertTrue(output.lines().anyMatch(l -> l.startsWith("0::/" + root + "/") && !l.endsWith("/agent")),
          "the container in a cgroup of its own under '" + root + "': " + output);
    } finally {
      for (Path cgroup : List.of(dir.resolve("agent"), dir)) {
        Files.deleteIfExists(cgroup);
      }
    }
  }

  /** Its output, once it has exited (within {@link #RUN}, else the test fails). */
  private static String ended(Process run) throws Exception {
    CompletableFuture<byte[]> output = CompletableFuture.supplyAsync(() -> {
      try {
        return run.getInputStream().readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    if (!run.waitFor(RUN.toSeconds(), TimeUnit.SECONDS)) {
      run.destroyForcibly();
      throw new AssertionError("corral run did not end within " + RUN);
    }
    return new String(output.get(RUN.toSeconds(), TimeUnit.SECONDS));
  }

  private static String read(Path cgroup, String file) throws IOException {
    return Files.readString(cgroup.resolve(file)).trim();
  }

  /** The pids of the cgroup's processes named sleep (the container's init is there too). */
  private static List<Integer> sleeps(Path cgroup) {
    return procs(cgroup).stream().filter(pid -> {
      Host.Proc proc = Host.read(pid);
      return proc != null && proc.comm().equals("sleep");
    }).toList();
  }

  private static List<Integer> procs(Path cgroup) {
    try {
      String procs = Files.readString(cgroup.resolve("cgroup.procs")).trim();
      return procs.isEmpty() ? List.of()
          : Arrays.stream(procs.split("\n")).map(Integer::valueOf).toList();
    } catch (IOException e) {
      return List.of();
    }
  }
}
