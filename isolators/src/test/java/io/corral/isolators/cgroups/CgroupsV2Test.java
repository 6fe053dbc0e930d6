package io.corral.isolators.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.isolators.ContainerContext;
import io.corral.isolators.IsolatorException;
import io.corral.isolators.Limitation;
import io.corral.posix.cgroup.CgroupFs;
import io.corral.posix.testing.FakeLinux;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.ResourceStatistics;
import io.corral.proto.v1.TaskStatus;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The cgroups isolators on a cgroup v2 (unified) hierarchy. This host is cgroup v1, so v2 is
 * covered here only: an in-memory v2 tree in {@link FakeLinux} with the v2 control files.
 */
class CgroupsV2Test {
  private static final Path UNIFIED = Path.of("/sys/fs/cgroup");
  private final FakeLinux kernel = new FakeLinux().addProcess(42, 1, 42, 0, 0, 0);
  private final Hierarchies hierarchies;

  CgroupsV2Test() {
    Map<String, String> files = Map.ofEntries(
        Map.entry("cgroup.controllers", "cpuset cpu io memory pids"),
        Map.entry("cgroup.subtree_control", ""),
        Map.entry("cpu.weight", "100"), Map.entry("cpu.max", "max 100000"),
        Map.entry("cpu.stat", "usage_usec 0\nuser_usec 0\nsystem_usec 0"),
        Map.entry("memory.max", "max"), Map.entry("memory.low", "0"),
        Map.entry("memory.current", "0"), Map.entry("memory.peak", "0"),
        Map.entry("memory.oom.group", "0"), Map.entry("memory.stat", "anon 0\nfile 0"),
        Map.entry("memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0"),
        Map.entry("pids.max", "max"), Map.entry("pids.current", "0"));
    files.forEach((file, value) -> kernel.cgroupFile(UNIFIED, file, value));
    hierarchies = new Hierarchies(kernel.linux(), CgroupsConfig.defaults().withLimits(true, 0));
  }

  private CgroupFs unified() {
    return kernel.linux().cgroups().at(UNIFIED);
  }

  @Test
  void cpuGoesToWeightAndMaxAndUsageComesFromCpuStat() {
    CgroupsCpuIsolator isolator = new CgroupsCpuIsolator(hierarchies);
    ContainerContext c1 = Launches.of("c1", Map.of("cpus", 1.5), Map.of());
    isolator.prepare(c1);
    isolator.isolate(c1, 42);
    assertEquals(Long.toString(CpuController.weight(1536)), unified().read("corral/c1", "cpu.weight"));
    assertEquals(59, CpuController.weight(1536));
    assertEquals(1, CpuController.weight(2));
    assertEquals(10000, CpuController.weight(262144));
    assertEquals("150000 100000", unified().read("corral/c1", "cpu.max"));
    assertEquals("+cpu", unified().read("corral", "cgroup.subtree_control"));
    assertTrue(kernel.calls().contains(
        "write path='/sys/fs/cgroup/cgroup.subtree_control' value='+cpu'"), kernel.calls().toString());
    assertEquals(java.util.List.of(42), unified().procs("corral/c1"));
    kernel.cgroupState(UNIFIED, "corral/c1", "cpu.stat",
        "usage_usec 2000000\nuser_usec 1500000\nsystem_usec 500000\nnr_periods 4\nnr_throttled 1\n"
            + "throttled_usec 250000");
    ResourceStatistics.Builder stats = ResourceStatistics.newBuilder().setTimestamp(0);
    isolator.usage(c1, stats);
    assertEquals(1.5, stats.getCpusUserTimeSecs(), 1e-9);
    assertEquals(0.5, stats.getCpusSystemTimeSecs(), 1e-9);
    assertEquals(0.25, stats.getCpusThrottledTimeSecs(), 1e-9);
  }

  @Test
  void memoryPressureCountersComeFromMemoryEvents() {
    CgroupsMemIsolator isolator = new CgroupsMemIsolator(hierarchies);
    ContainerContext c1 = Launches.of("c1", Map.of("mem", 64.0), Map.of());
    isolator.prepare(c1);
    kernel.cgroupState(UNIFIED, "corral/c1", "memory.events", "low 4\nhigh 2\nmax 1\noom 0\noom_kill 0");
    ResourceStatistics.Builder stats = ResourceStatistics.newBuilder().setTimestamp(0);
    isolator.usage(c1, stats);
    assertEquals(4, stats.getMemLowPressureCounter());
    assertEquals(2, stats.getMemMediumPressureCounter());
    assertEquals(1, stats.getMemCriticalPressureCounter());
    assertTrue(kernel.calls().stream().noneMatch(c -> c.startsWith("count_pressure")), "no v1 eventfds on v2");
  }

  @Test
  void theIsolatorsShareTheContainersOneCgroup() {
    ContainerContext c1 = Launches.of("c1", Map.of("cpus", 1.0, "mem", 64.0), Map.of());
    List<CgroupsIsolator> isolators = List.of(new CgroupsCpuIsolator(hierarchies),
        new CgroupsMemIsolator(hierarchies), new CgroupsPidsIsolator(hierarchies));
    isolators.forEach(i -> i.prepare(c1));
    assertEquals(Long.toString(64L << 20), unified().read("corral/c1", "memory.max"));
    isolators.forEach(i -> i.cleanup(c1));
    assertTrue(!unified().exists("corral/c1"), "removed");
    isolators.get(0).prepare(Launches.of("c2", Map.of("cpus", 1.0), Map.of()));
    unified().mkdir("corral/stale");
    IsolatorException stale = assertThrows(IsolatorException.class,
        () -> isolators.get(1).prepare(Launches.of("stale", Map.of("mem", 64.0), Map.of())));
    assertTrue(stale.getMessage().contains("already exists"), stale.getMessage());
  }

  @Test
  void anAgentStartedInItsRootMovesIntoALeafBeforeEnablingControllers() {
    int self = kernel.linux().processes().getpid();
    kernel.addProcess(self, 1, self, 0, 0, 0);
    unified().mkdir("corral");
    unified().assign("corral", self);
    Hierarchy cpu = hierarchies.get("cpu");
    assertEquals(List.of(self), unified().procs("corral/agent"));
    assertEquals(List.of(), unified().procs("corral"));
    assertEquals("+cpu", unified().read("corral", "cgroup.subtree_control"));
    assertEquals(List.of(), cpu.containers(), "the agent's leaf is no container");
  }

  @Test
  void theFreezerIsTheUnifiedHierarchysCgroupFreeze() {
    kernel.cgroupFile(UNIFIED, "cgroup.freeze", "0");
    kernel.cgroupFile(UNIFIED, "cgroup.events", "populated 0\nfrozen 0");
    Hierarchy freezer = hierarchies.get("freezer");
    freezer.create("c1");
    freezer.assign("c1", 42);
    FreezerController controller = new FreezerController(unified(), freezer.cgroup("c1"), true);
    controller.freeze();
    assertEquals("1", unified().read("corral/c1", "cgroup.freeze"));
    kernel.cgroupState(UNIFIED, "corral/c1", "cgroup.events", "populated 1\nfrozen 1");
    assertTrue(controller.frozen());
    controller.killAll(kernel.linux().processes(), java.time.Duration.ofSeconds(1));
    assertEquals(java.util.List.of(), unified().procs("corral/c1"));
    assertEquals("0", unified().read("corral/c1", "cgroup.freeze"), "thawed after the kill");
    assertTrue(kernel.calls().stream().noneMatch(c -> c.contains("subtree_control") && c.contains("freezer")),
        "v2 has no freezer controller to enable");
  }

  @Test
  void memoryUsesMaxAndLowAndReportsAKernelOomKill() throws Exception {
    CgroupsMemIsolator isolator = new CgroupsMemIsolator(hierarchies);
    ContainerContext c1 = Launches.of("c1", Map.of("mem", 64.0), Map.of("mem", 128.0));
    isolator.prepare(c1);
    assertEquals(Long.toString(128L << 20), unified().read("corral/c1", "memory.max"));
    assertEquals(Long.toString(64L << 20), unified().read("corral/c1", "memory.low"));
    assertEquals("1", unified().read("corral/c1", "memory.oom.group"));
    CompletableFuture<Limitation> watch = isolator.watch(c1).toCompletableFuture();
    kernel.cgroupState(UNIFIED, "corral/c1", "memory.peak", Long.toString(128L << 20))
        .cgroupState(UNIFIED, "corral/c1", "memory.events", "low 0\nhigh 0\nmax 9\noom 1\noom_kill 1");
    assertTrue(kernel.oom(UNIFIED.resolve("corral/c1")));
    Limitation limitation = watch.get(5, TimeUnit.SECONDS);
    assertEquals(TaskStatus.Reason.REASON_CONTAINER_LIMITATION_MEMORY, limitation.reason());
    assertTrue(limitation.message().startsWith(
        "Memory limit exceeded: Requested: 128MB Maximum Used: 128MB\n\nMEMORY STATISTICS: \nanon 0"),
        limitation.message());
    kernel.cgroupState(UNIFIED, "corral/c1", "memory.current", "1000")
        .cgroupState(UNIFIED, "corral/c1", "memory.stat", "anon 700\nfile 300\nfile_mapped 5");
    ResourceStatistics.Builder stats = ResourceStatistics.newBuilder().setTimestamp(0);
    isolator.usage(c1, stats);
    assertEquals(1000, stats.getMemTotalBytes());
    assertEquals(700, stats.getMemRssBytes());
    assertEquals(300, stats.getMemCacheBytes());
    assertEquals(128L << 20, stats.getMemLimitBytes());
  }

  @Test
  void anOomKillIsReadAtCleanupWhileAnotherHolderRemovedItsShareFirst() throws Exception {
    ContainerContext c1 = Launches.of("c1", Map.of("cpus", 1.0, "mem", 64.0), Map.of("mem", 64.0));
    CgroupsMemIsolator mem = new CgroupsMemIsolator(hierarchies);
    List<CgroupsIsolator> isolators = List.of(new CgroupsCpuIsolator(hierarchies), mem,
        new CgroupsPidsIsolator(hierarchies));
    isolators.forEach(i -> i.prepare(c1));
    kernel.cgroupFile(UNIFIED, "cgroup.freeze", "0");
    Hierarchy freezer = hierarchies.get("freezer");
    freezer.create("c1");
    CompletableFuture<Limitation> watch = mem.watch(c1).toCompletableFuture();
    // the kill is counted, its wake-up not delivered yet; the exit destroys the container
    kernel.cgroupState(UNIFIED, "corral/c1", "memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1");
    freezer.destroy("c1", kernel.linux().processes(), java.time.Duration.ofSeconds(1));
    isolators.get(2).cleanup(c1);
    assertTrue(unified().exists("corral/c1"), "kept while cgroups/mem and cgroups/cpu hold it");
    mem.cleanup(c1);
    assertEquals(TaskStatus.Reason.REASON_CONTAINER_LIMITATION_MEMORY, watch.getNow(null).reason());
    isolators.get(0).cleanup(c1);
    assertTrue(!unified().exists("corral/c1"), "removed by its last holder");
  }

  @Test
  void anOomKillCountedBeforeTheSubscriptionIsReported() throws Exception {
    CgroupsMemIsolator mem = new CgroupsMemIsolator(hierarchies);
    ContainerContext c1 = Launches.of("c1", Map.of("mem", 64.0), Map.of());
    mem.prepare(c1);
    kernel.cgroupState(UNIFIED, "corral/c1", "memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1");
    mem.recover(List.of(c1)); // subscribes again, as after an agent restart
    Limitation limitation = mem.watch(c1).toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertEquals(TaskStatus.Reason.REASON_CONTAINER_LIMITATION_MEMORY, limitation.reason());
  }

  @Test
  void pidsMaxIsTheSameFile() {
    LaunchPlan fragment = new CgroupsPidsIsolator(hierarchies).prepare(
        Launches.of("c1", Map.of("pids", 50.0), Map.of()));
    assertEquals("50", unified().read("corral/c1", "pids.max"));
    assertEquals(List.of(), fragment.getJoinCgroupsList(), "v2 has no tasks file to join by");
  }

  @Test
  void netClsIsRefusedOnV2() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new CgroupsNetClsIsolator(hierarchies));
    assertEquals("Failed to prepare the 'net_cls' controller: net_cls exists only in cgroup v1 and"
        + " '/sys/fs/cgroup' is a cgroup v2 (unified) hierarchy", e.getMessage());
  }

  @Test
  void aControllerTheHostDoesNotOfferIsRefused() {
    kernel.cgroupState(UNIFIED, "", "cgroup.controllers", "cpu io");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new CgroupsPidsIsolator(hierarchies));
    assertEquals("Failed to prepare the 'pids' controller: it is not in"
        + " '/sys/fs/cgroup/cgroup.controllers' (cpu io)", e.getMessage());
  }
}
