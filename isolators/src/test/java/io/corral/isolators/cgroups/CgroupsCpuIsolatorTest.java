package io.corral.isolators.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.isolators.ContainerContext;
import io.corral.isolators.IsolatorException;
import io.corral.posix.cgroup.CgroupFs;
import io.corral.posix.testing.FakeLinux;
import io.corral.proto.v1.ResourceStatistics;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CgroupsCpuIsolatorTest {
  private static final Path CPU = Path.of("/sys/fs/cgroup/cpu");
  private static final Path CPUACCT = Path.of("/sys/fs/cgroup/cpuacct");
  private final FakeLinux kernel = new FakeLinux().addProcess(42, 1, 42, 0, 0, 0);

  private CgroupsCpuIsolator isolator(boolean cfs) {
    return new CgroupsCpuIsolator(new Hierarchies(kernel.linux(),
        CgroupsConfig.defaults().withLimits(cfs, 0)));
  }

  /** A second agent on the same fake kernel: its own root. */
  private CgroupsCpuIsolator otherAgent(boolean cfs) {
    return new CgroupsCpuIsolator(new Hierarchies(kernel.linux(), CgroupsConfig.defaults()
        .withRoot(CgroupsConfig.DEFAULT_HIERARCHY, "corral2").withLimits(cfs, 0)));
  }

  private CgroupFs cpu() {
    return kernel.linux().cgroups().at(CPU);
  }

  @Test
  void sharesAre1024PerCpuWithAFloorOfTwo() {
    assertEquals(512, CpuController.shares(0.5));
    assertEquals(2, CpuController.shares(0.001));
    assertEquals(100_000, CpuController.quotaMicros(1));
    assertEquals(1_000, CpuController.quotaMicros(0.001));
    assertEquals(-1, CpuController.quotaMicros(Double.POSITIVE_INFINITY));
  }

  @Test
  void prepareWritesSharesAndNoQuotaWithoutCfs() {
    isolator(false).prepare(Launches.of("c1", Map.of("cpus", 1.5), Map.of()));
    assertEquals("1536", cpu().read("corral/c1", "cpu.shares"));
    assertEquals("-1", cpu().read("corral/c1", "cpu.cfs_quota_us"));
    assertTrue(kernel.linux().cgroups().at(CPUACCT).exists("corral/c1"));
  }

  @Test
  void cfsQuotaFollowsTheRequestWithTheFlagAndTheLimitAlways() {
    isolator(true).prepare(Launches.of("c1", Map.of("cpus", 0.25), Map.of()));
    assertEquals("25000", cpu().read("corral/c1", "cpu.cfs_quota_us"));
    assertEquals("100000", cpu().read("corral/c1", "cpu.cfs_period_us"));
    CgroupsCpuIsolator noFlag = otherAgent(false);
    noFlag.prepare(Launches.of("c2", Map.of("cpus", 0.25), Map.of("cpus", 2.0)));
    assertEquals("200000", cpu().read("corral2/c2", "cpu.cfs_quota_us"));
    noFlag.update(Launches.of("c2", Map.of(), Map.of()), List.of(Launches.scalar("cpus", 1)),
        Map.of("cpus", Double.POSITIVE_INFINITY));
    assertEquals("-1", cpu().read("corral2/c2", "cpu.cfs_quota_us"));
    assertEquals("1024", cpu().read("corral2/c2", "cpu.shares"));
  }

  @Test
  void isolateMovesTheInitIntoBothHierarchiesAndCleanupRemovesThem() {
    CgroupsCpuIsolator isolator = isolator(false);
    ContainerContext c1 = Launches.of("c1", Map.of("cpus", 1.0), Map.of());
    isolator.prepare(c1);
    isolator.isolate(c1, 42);
    assertEquals(List.of(42), cpu().procs("corral/c1"));
    assertEquals(List.of(42), kernel.linux().cgroups().at(CPUACCT).procs("corral/c1"));
    kernel.removeProcess(42);
    isolator.cleanup(c1);
    assertFalse(cpu().exists("corral/c1"));
    assertFalse(kernel.linux().cgroups().at(CPUACCT).exists("corral/c1"));
  }

  @Test
  void usageConvertsTicksAndThrottling() {
    kernel.sysconf(100, 4096);
    CgroupsCpuIsolator isolator = isolator(true);
    ContainerContext c1 = Launches.of("c1", Map.of("cpus", 1.0), Map.of());
    isolator.prepare(c1);
    kernel.cgroupState(CPUACCT, "corral/c1", "cpuacct.stat", "user 150\nsystem 25")
        .cgroupState(CPU, "corral/c1", "cpu.stat",
            "nr_periods 10\nnr_throttled 3\nthrottled_time 500000000");
    ResourceStatistics.Builder stats = ResourceStatistics.newBuilder().setTimestamp(0);
    isolator.usage(c1, stats);
    assertEquals(1.5, stats.getCpusUserTimeSecs(), 1e-9);
    assertEquals(0.25, stats.getCpusSystemTimeSecs(), 1e-9);
    assertEquals(10, stats.getCpusNrPeriods());
    assertEquals(3, stats.getCpusNrThrottled());
    assertEquals(0.5, stats.getCpusThrottledTimeSecs(), 1e-9);
  }

  @Test
  void anExistingCgroupIsRefused() {
    cpu().mkdir("corral");
    cpu().mkdir("corral/c1");
    IsolatorException e = assertThrows(IsolatorException.class,
        () -> isolator(false).prepare(Launches.of("c1", Map.of("cpus", 1.0), Map.of())));
    assertEquals("Failed to prepare: the cgroup at '/sys/fs/cgroup/cpu/corral/c1' already exists",
        e.getMessage());
  }
}
