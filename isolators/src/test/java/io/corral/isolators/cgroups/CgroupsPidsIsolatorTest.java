package io.corral.isolators.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.corral.isolators.ContainerContext;
import io.corral.posix.cgroup.CgroupFs;
import io.corral.posix.testing.FakeLinux;
import io.corral.proto.v1.ResourceStatistics;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CgroupsPidsIsolatorTest {
  private static final Path PIDS = Path.of("/sys/fs/cgroup/pids");
  private final FakeLinux kernel = new FakeLinux()
      .addProcess(42, 1, 42, 0, 0, 0).addProcess(43, 42, 42, 0, 0, 0);

  private CgroupsPidsIsolator isolator(long agentDefault) {
    return new CgroupsPidsIsolator(new Hierarchies(kernel.linux(),
        CgroupsConfig.defaults().withLimits(false, agentDefault)));
  }

  private CgroupFs pids() {
    return kernel.linux().cgroups().at(PIDS);
  }

  @Test
  void pidsMaxComesFromTheLaunchOrTheAgentDefault() {
    CgroupsPidsIsolator isolator = isolator(500);
    isolator.prepare(Launches.of("asked", Map.of("pids", 64.0), Map.of()));
    isolator.prepare(Launches.of("limited", Map.of("pids", 64.0), Map.of("pids", 32.0)));
    isolator.prepare(Launches.of("default", Map.of(), Map.of()));
    assertEquals("64", pids().read("corral/asked", "pids.max"));
    assertEquals("32", pids().read("corral/limited", "pids.max"));
    assertEquals("500", pids().read("corral/default", "pids.max"));
  }

  @Test
  void withoutAnyLimitPidsMaxStaysMaxAndUpdateCanLiftIt() {
    CgroupsPidsIsolator isolator = isolator(0);
    ContainerContext c1 = Launches.of("c1", Map.of(), Map.of());
    isolator.prepare(c1);
    assertEquals("max", pids().read("corral/c1", "pids.max"));
    isolator.update(c1, List.of(Launches.scalar("pids", 10)), Map.of());
    assertEquals("10", pids().read("corral/c1", "pids.max"));
    isolator.update(c1, List.of(), Map.of("pids", Double.POSITIVE_INFINITY));
    assertEquals("max", pids().read("corral/c1", "pids.max"));
  }

  @Test
  void prepareAsksTheInitToJoinTheCgroupAndIsolateChecksItDid() {
    CgroupsPidsIsolator isolator = isolator(0);
    ContainerContext c1 = Launches.of("c1", Map.of(), Map.of());
    assertEquals(List.of(PIDS.resolve("corral/c1/tasks").toString()),
        isolator.prepare(c1).getJoinCgroupsList());
    pids().assign("corral/c1", 42); // as the init's own write of 0 to tasks would
    isolator.isolate(c1, 42);
    assertEquals(List.of(42), pids().procs("corral/c1"));
    ContainerContext c2 = Launches.of("c2", Map.of(), Map.of());
    isolator.prepare(c2);
    isolator.isolate(c2, 43); // an init that did not join is written by pid
    assertEquals(List.of(43), pids().procs("corral/c2"));
  }

  @Test
  void recoverKeepsKnownContainersAndRemovesOrphans() {
    pids().mkdir("corral");
    pids().mkdir("corral/known");
    pids().mkdir("corral/orphan");
    CgroupsPidsIsolator isolator = isolator(0);
    isolator.recover(List.of(Launches.of("known", Map.of(), Map.of())));
    assertEquals(List.of("known"), pids().children("corral"));
    isolator.cleanup(Launches.of("known", Map.of(), Map.of()));
    assertEquals(List.of(), pids().children("corral"));
  }

  @Test
  void usageCountsProcessesAndThreads() {
    CgroupsPidsIsolator isolator = isolator(0);
    ContainerContext c1 = Launches.of("c1", Map.of(), Map.of());
    isolator.prepare(c1);
    isolator.isolate(c1, 42);
    pids().assign("corral/c1", 43);
    kernel.cgroupState(PIDS, "corral/c1", "pids.current", "5");
    ResourceStatistics.Builder stats = ResourceStatistics.newBuilder().setTimestamp(0);
    isolator.usage(c1, stats);
    assertEquals(2, stats.getProcesses());
    assertEquals(5, stats.getThreads());
  }
}
