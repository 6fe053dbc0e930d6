package io.corral.isolators.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.isolators.ContainerContext;
import io.corral.isolators.IsolatorException;
import io.corral.isolators.Limitation;
import io.corral.posix.cgroup.CgroupFs;
import io.corral.posix.testing.FakeLinux;
import io.corral.proto.v1.ResourceStatistics;
import io.corral.proto.v1.TaskStatus;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CgroupsMemIsolatorTest {
  private static final Path MEMORY = Path.of("/sys/fs/cgroup/memory");
  private static final Path C1 = MEMORY.resolve("corral/c1");
  private final FakeLinux kernel = new FakeLinux();
  private final CgroupsMemIsolator isolator = new CgroupsMemIsolator(
      new Hierarchies(kernel.linux(), CgroupsConfig.defaults()));

  private CgroupFs memory() {
    return kernel.linux().cgroups().at(MEMORY);
  }

  @Test
  void limitsFollowMesosWithTheKernelKillerOff() {
    isolator.prepare(Launches.of("c1", Map.of("mem", 64.0), Map.of()));
    assertEquals(Long.toString(64L << 20), memory().read("corral/c1", "memory.limit_in_bytes"));
    assertEquals(Long.toString(64L << 20), memory().read("corral/c1", "memory.soft_limit_in_bytes"));
    assertEquals("oom_kill_disable 1\nunder_oom 0\noom_kill 0",
        memory().read("corral/c1", "memory.oom_control"));
    isolator.prepare(Launches.of("c2", Map.of("mem", 8.0), Map.of("mem", 128.0)));
    assertEquals(Long.toString(128L << 20), memory().read("corral/c2", "memory.limit_in_bytes"));
    assertEquals(Long.toString(32L << 20), memory().read("corral/c2", "memory.soft_limit_in_bytes"));
    isolator.prepare(Launches.of("c3", Map.of("mem", 64.0),
        Map.of("mem", Double.POSITIVE_INFINITY)));
    assertEquals("-1", memory().read("corral/c3", "memory.limit_in_bytes"));
  }

  @Test
  void updateLowersTheLimitOnlyWhenUsageFitsUnderIt() {
    ContainerContext c1 = Launches.of("c1", Map.of("mem", 256.0), Map.of());
    isolator.prepare(c1);
    kernel.cgroupState(MEMORY, "corral/c1", "memory.usage_in_bytes", Long.toString(100L << 20));
    isolator.update(c1, List.of(Launches.scalar("mem", 128)), Map.of());
    assertEquals(Long.toString(128L << 20), memory().read("corral/c1", "memory.limit_in_bytes"));
    IsolatorException e = assertThrows(IsolatorException.class,
        () -> isolator.update(c1, List.of(Launches.scalar("mem", 64)), Map.of()));
    assertEquals("Failed to update: the memory usage of container 'c1' (100MB) is above the new"
        + " limit (64MB)", e.getMessage());
    assertEquals(Long.toString(128L << 20), memory().read("corral/c1", "memory.limit_in_bytes"));
  }

  @Test
  void anOomCompletesTheWatchWithTheStatisticsCapturedBeforeTheKill() throws Exception {
    ContainerContext c1 = Launches.of("c1", Map.of("mem", 64.0), Map.of());
    isolator.prepare(c1);
    CompletableFuture<Limitation> watch = isolator.watch(c1).toCompletableFuture();
    kernel.cgroupState(MEMORY, "corral/c1", "memory.max_usage_in_bytes", Long.toString(64L << 20));
    kernel.cgroupState(MEMORY, "corral/c1", "memory.stat", "total_cache 0\ntotal_rss 67108864");
    kernel.cgroupState(MEMORY, "corral/c1", "memory.oom_control",
        "oom_kill_disable 1\nunder_oom 1\noom_kill 0");
    assertTrue(kernel.oom(C1));
    Limitation limitation = watch.get(5, TimeUnit.SECONDS);
    assertEquals(TaskStatus.Reason.REASON_CONTAINER_LIMITATION_MEMORY, limitation.reason());
    assertEquals("mem", limitation.resources().get(0).getName());
    assertEquals(64.0, limitation.resources().get(0).getScalar().getValue(), 1e-9);
    assertEquals("Memory limit exceeded: Requested: 64MB Maximum Used: 64MB\n\n"
        + "MEMORY STATISTICS: \ntotal_cache 0\ntotal_rss 67108864\n", limitation.message());
  }

  @Test
  void anEventWithoutAnOomIsIgnoredAndListenedForAgain() {
    ContainerContext c1 = Launches.of("c1", Map.of("mem", 64.0), Map.of());
    isolator.prepare(c1);
    CompletableFuture<Limitation> watch = isolator.watch(c1).toCompletableFuture();
    assertTrue(memory().read("corral/c1", "memory.oom_control").startsWith("oom_kill_disable 1"));
    assertTrue(kernel.oom(C1));
    assertFalse(watch.isDone());
    assertTrue(kernel.oom(C1), "subscribed again");
  }

  @Test
  void cleanupUnsubscribesBeforeRemovingTheCgroup() {
    ContainerContext c1 = Launches.of("c1", Map.of("mem", 64.0), Map.of());
    isolator.prepare(c1);
    isolator.cleanup(c1);
    assertFalse(memory().exists("corral/c1"));
    assertFalse(kernel.oom(C1));
  }

  @Test
  void usageReadsTheKernelCounters() {
    ContainerContext c1 = Launches.of("c1", Map.of("mem", 64.0), Map.of());
    isolator.prepare(c1);
    kernel.cgroupState(MEMORY, "corral/c1", "memory.usage_in_bytes", "5000");
    kernel.cgroupState(MEMORY, "corral/c1", "memory.stat",
        "cache 1\nrss 2\ntotal_cache 1000\ntotal_rss 4000\ntotal_swap 7\ntotal_mapped_file 9");
    ResourceStatistics.Builder stats = ResourceStatistics.newBuilder().setTimestamp(0);
    isolator.usage(c1, stats);
    assertEquals(5000, stats.getMemTotalBytes());
    assertEquals(4000, stats.getMemRssBytes());
    assertEquals(1000, stats.getMemCacheBytes());
    assertEquals(7, stats.getMemSwapBytes());
    assertEquals(9, stats.getMemMappedFileBytes());
    assertEquals(64L << 20, stats.getMemLimitBytes());
  }

  @Test
  void pressureCountersCountTheKernelsEventsPerLevelUntilCleanup() {
    ContainerContext c1 = Launches.of("c1", Map.of("mem", 64.0), Map.of());
    isolator.prepare(c1);
    assertTrue(kernel.pressure(C1, "low", 3));
    assertTrue(kernel.pressure(C1, "critical", 1));
    ResourceStatistics.Builder stats = ResourceStatistics.newBuilder().setTimestamp(0);
    isolator.usage(c1, stats);
    assertEquals(3, stats.getMemLowPressureCounter());
    assertEquals(0, stats.getMemMediumPressureCounter());
    assertEquals(1, stats.getMemCriticalPressureCounter());
    isolator.cleanup(c1);
    assertFalse(kernel.pressure(C1, "low", 1), "the counters are closed at cleanup");
  }

  @Test
  void aKernelWithoutPressureLevelsLaunchesWithoutCounters() {
    kernel.failNext("count_pressure", io.corral.posix.Errno.ENOENT);
    ContainerContext c1 = Launches.of("c1", Map.of("mem", 64.0), Map.of());
    isolator.prepare(c1);
    ResourceStatistics.Builder stats = ResourceStatistics.newBuilder().setTimestamp(0);
    isolator.usage(c1, stats);
    assertTrue(stats.hasMemTotalBytes());
    assertFalse(stats.hasMemLowPressureCounter());
    assertFalse(kernel.pressure(C1, "medium", 1), "the levels registered before the failure are closed");
  }

  @Test
  void bytesArePrintedAsMesosDoes() {
    assertEquals("64MB", MemoryController.format(64L << 20));
    assertEquals("2GB", MemoryController.format(2L << 30));
    assertEquals("3KB", MemoryController.format(3072));
    assertEquals("1001B", MemoryController.format(1001));
  }
}
