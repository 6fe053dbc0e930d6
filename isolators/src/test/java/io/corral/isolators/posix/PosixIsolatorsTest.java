package io.corral.isolators.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.isolators.ContainerContext;
import io.corral.isolators.Contexts;
import io.corral.isolators.IsolatorException;
import io.corral.posix.Errno;
import io.corral.posix.LinuxException;
import io.corral.posix.ProcessTable;
import io.corral.posix.ProcessUsage;
import io.corral.posix.testing.FakeLinux;
import io.corral.proto.v1.ContainerPids;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.ResourceStatistics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** posix/cpu and posix/mem on a scripted process tree in {@link FakeLinux}, with exact numbers. */
class PosixIsolatorsTest {
  private final FakeLinux fake = new FakeLinux()
      .addProcess(100, 1, 100, 250, 40, 1000)   // the init
      .addProcess(101, 100, 100, 50, 10, 200)   // its child
      .addProcess(102, 101, 100, 100, 50, 24)   // a grandchild
      .addProcess(200, 1, 200, 9999, 9999, 9999); // another container: never counted
  private final PosixCpuIsolator cpu = new PosixCpuIsolator(fake.linux().proc());
  private final PosixMemIsolator mem = new PosixMemIsolator(fake.linux().proc());
  private final ContainerContext c1 = Contexts.of("c1");

  private ResourceStatistics usage(PosixIsolator isolator, ContainerContext c) {
    ResourceStatistics.Builder stats = ResourceStatistics.newBuilder().setTimestamp(1);
    isolator.usage(c, stats);
    return stats.build();
  }

  @Test
  void cpuSumsTheWholeTreeInSeconds() {
    assertEquals(LaunchPlan.getDefaultInstance(), cpu.prepare(c1));
    cpu.isolate(c1, 100);
    ResourceStatistics stats = usage(cpu, c1);
    assertEquals(4.0, stats.getCpusUserTimeSecs()); // (250 + 50 + 100) ticks at 100 Hz
    assertEquals(1.0, stats.getCpusSystemTimeSecs()); // (40 + 10 + 50) ticks
    assertFalse(stats.hasMemRssBytes());
  }

  @Test
  void cpuUsesTheKernelsClockTicks() {
    fake.sysconf(250, 4096);
    cpu.prepare(c1);
    cpu.isolate(c1, 102);
    assertEquals(0.4, usage(cpu, c1).getCpusUserTimeSecs());
  }

  @Test
  void memSumsRssInBytes() {
    mem.prepare(c1);
    mem.isolate(c1, 100);
    ResourceStatistics stats = usage(mem, c1);
    assertEquals((1000 + 200 + 24) * 4096L, stats.getMemRssBytes());
    assertFalse(stats.hasCpusUserTimeSecs());
  }

  @Test
  void exitedProcessesDropOutOfTheTree() {
    cpu.prepare(c1);
    cpu.isolate(c1, 100);
    fake.removeProcess(101); // its child 102 is reparented to pid 1: out of the tree
    assertEquals(2.5, usage(cpu, c1).getCpusUserTimeSecs());
    assertEquals(1, fake.linux().proc().stat(102).orElseThrow().ppid());
  }

  @Test
  void unknownOrGoneContainersReportNothing() {
    assertEquals(ResourceStatistics.newBuilder().setTimestamp(1).build(), usage(cpu, c1));
    cpu.prepare(c1);
    assertEquals(ResourceStatistics.newBuilder().setTimestamp(1).build(), usage(cpu, c1));
    cpu.isolate(c1, 100);
    fake.removeProcess(100);
    assertEquals(ResourceStatistics.newBuilder().setTimestamp(1).build(), usage(cpu, c1));
  }

  @Test
  void cleanupForgetsAndToleratesUnknownContainers() {
    mem.cleanup(c1);
    mem.prepare(c1);
    mem.isolate(c1, 100);
    mem.cleanup(c1);
    assertFalse(usage(mem, c1).hasMemRssBytes());
    mem.prepare(c1); // a new container with the same id after cleanup
  }

  @Test
  void aSecondPrepareIsRefused() {
    cpu.prepare(c1);
    assertEquals("Failed to prepare: container 'c1' has already been prepared",
        assertThrows(IsolatorException.class, () -> cpu.prepare(c1)).getMessage());
  }

  @Test
  void procFailuresSurface() {
    cpu.prepare(c1);
    cpu.isolate(c1, 100);
    fake.failNext("proc", Errno.EACCES);
    IsolatorException e = assertThrows(IsolatorException.class, () -> usage(cpu, c1));
    assertEquals(Errno.EACCES, ((LinuxException) e.getCause()).errno());
    assertTrue(e.getMessage().startsWith("Failed to get usage of container 'c1': "), e.getMessage());
  }

  /** A table such as ps gives: one cpu time per process, no user/system split. */
  private static ProcessTable table(ProcessUsage... processes) {
    return new ProcessTable() {
      @Override
      public List<ProcessUsage> processes() {
        return List.of(processes);
      }

      @Override
      public String describe() {
        return "scripted";
      }
    };
  }

  @Test
  void withoutAUserSystemSplitTheSumIsUserTimeAndSystemTimeIsUnset() {
    ProcessTable ps = table(new ProcessUsage(100, 1, 1_500_000_000L, OptionalLong.empty(), 4096),
        new ProcessUsage(101, 100, 250_000_000L, OptionalLong.empty(), 1024),
        new ProcessUsage(200, 1, 9_000_000_000L, OptionalLong.empty(), 1 << 20));
    PosixCpuIsolator cpuFromPs = new PosixCpuIsolator(ps);
    PosixMemIsolator memFromPs = new PosixMemIsolator(ps);
    for (PosixIsolator isolator : List.of(cpuFromPs, memFromPs)) {
      isolator.prepare(c1);
      isolator.isolate(c1, 100);
    }
    ResourceStatistics stats = usage(cpuFromPs, c1);
    assertEquals(1.75, stats.getCpusUserTimeSecs());
    assertFalse(stats.hasCpusSystemTimeSecs());
    assertEquals(5120, usage(memFromPs, c1).getMemRssBytes());
  }

  @Test
  void aTableThatCannotBeReadFailsTheUsageWithItsMessage() {
    PosixMemIsolator broken = new PosixMemIsolator(new ProcessTable() {
      @Override
      public List<ProcessUsage> processes() {
        throw new IllegalStateException("Failed to run 'ps': it exited with status 1");
      }

      @Override
      public String describe() {
        return "broken";
      }
    });
    broken.prepare(c1);
    broken.isolate(c1, 100);
    assertEquals("Failed to get usage of container 'c1': Failed to run 'ps': it exited with status 1",
        assertThrows(IsolatorException.class, () -> usage(broken, c1)).getMessage());
  }

  @Test
  void recoverReadsTheCheckpointedInitPid(@TempDir Path runtime) throws IOException {
    Path dir = Files.createDirectories(runtime.resolve("c9"));
    Files.write(dir.resolve("pids"),
        ContainerPids.newBuilder().setInitPid(101).setHelperPid(99).build().toByteArray());
    ContainerContext c9 = Contexts.withRuntimeDir("c9", dir);
    ContainerContext c8 = Contexts.withRuntimeDir("c8", Files.createDirectories(runtime.resolve("c8")));
    cpu.recover(List.of(c9, c8));
    assertEquals(1.5, usage(cpu, c9).getCpusUserTimeSecs());
    assertFalse(usage(cpu, c8).hasCpusUserTimeSecs()); // no pids file: known, no usage
    assertEquals("Failed to recover: container 'c9' has already been recovered",
        assertThrows(IsolatorException.class, () -> cpu.recover(List.of(c9))).getMessage());
  }
}
