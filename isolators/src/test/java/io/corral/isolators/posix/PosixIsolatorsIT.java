package io.corral.isolators.posix;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.isolators.ContainerContext;
import io.corral.isolators.Contexts;
import io.corral.posix.ProcFs;
import io.corral.posix.nativeimpl.NativeProcFs;
import io.corral.posix.ps.PsProcessTable;
import io.corral.proto.v1.ResourceStatistics;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * posix/cpu and posix/mem against the real {@code /proc}: a shell (the "init") whose busy-looping
 * child does all the work, so only a walk of the whole tree sees the cpu time (Mesos'
 * {@code CpuIsolatorTest.ROOT_UserCpuUsage}).
 */
@Tag("root")
class PosixIsolatorsIT {
  private final ProcFs proc = new NativeProcFs();
  private final ContainerContext container = Contexts.of("busy");
  private Process init;

  @BeforeEach
  void startBusyTree() throws IOException {
    assumeTrue("root".equals(System.getProperty("user.name")), "needs root: a ROOT_ isolator test");
    init = new ProcessBuilder("/bin/sh", "-c", "(while :; do :; done) & wait").start();
  }

  @AfterEach
  void killTree() throws InterruptedException {
    if (init != null) {
      init.descendants().forEach(ProcessHandle::destroyForcibly);
      init.destroyForcibly();
      assertTrue(init.waitFor(10, TimeUnit.SECONDS), "busy tree killed");
    }
  }

  /** Polls usage every 20 ms until the predicate holds or 10 s pass; returns the last sample. */
  private static ResourceStatistics pollUsage(PosixIsolator isolator, ContainerContext c,
      Predicate<ResourceStatistics> done) {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
    ResourceStatistics stats;
    do {
      ResourceStatistics.Builder builder = ResourceStatistics.newBuilder().setTimestamp(0);
      isolator.usage(c, builder);
      stats = builder.build();
      if (done.test(stats)) {
        return stats;
      }
      LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
    } while (Instant.now().isBefore(deadline));
    return stats;
  }

  @Test
  void cpuCountsTheBusyChildOfTheInit() {
    PosixCpuIsolator cpu = new PosixCpuIsolator(proc);
    cpu.prepare(container);
    cpu.isolate(container, (int) init.pid());
    ResourceStatistics stats = pollUsage(cpu, container,
        s -> s.getCpusUserTimeSecs() + s.getCpusSystemTimeSecs() >= 0.5);
    assertTrue(stats.getCpusUserTimeSecs() + stats.getCpusSystemTimeSecs() >= 0.5,
        "the kernel measured 0.5 s of cpu within 10 s: " + stats);
    assertTrue(stats.getCpusUserTimeSecs() > 0, "user time: " + stats);
    // the tree's own times, read before the next sample: the sample covers at least each of them,
    // the busy child's included (the child alone shows it on a kernel that charges it its own
    // time; user-mode Linux charges much of it to the waiting init, which this sum holds too)
    double ticks = proc.clockTicksPerSecond();
    double initOnly = userSeconds(init.pid(), ticks);
    double children = init.descendants().mapToDouble(child -> userSeconds(child.pid(), ticks)).sum();
    ResourceStatistics.Builder later = ResourceStatistics.newBuilder();
    cpu.usage(container, later);
    assertTrue(later.getCpusUserTimeSecs() >= initOnly + children - 1e-9,
        "the sample holds the init's " + initOnly + " s and its children's " + children + " s: " + later);
    cpu.cleanup(container);
  }

  private double userSeconds(long pid, double ticks) {
    return proc.stat((int) pid).map(stat -> stat.utimeTicks() / ticks).orElse(0.0);
  }

  private long initRss() {
    return proc.stat((int) init.pid()).orElseThrow().rssPages() * proc.pageSize();
  }

  @Test
  void memCountsResidentPagesOfTheTree() {
    PosixMemIsolator mem = new PosixMemIsolator(proc);
    mem.prepare(container);
    mem.isolate(container, (int) init.pid());
    // The child may not be forked yet at the first sample: wait until the tree outgrows the init.
    ResourceStatistics stats = pollUsage(mem, container, s -> s.getMemRssBytes() > initRss());
    long initOnly = initRss();
    assertTrue(stats.getMemRssBytes() > initOnly, "init " + initOnly + " < tree: " + stats);
    mem.cleanup(container);
  }

  @Test
  void fromPsCpuAndMemCountTheTreeToo() {
    PsProcessTable ps = new PsProcessTable();
    PosixCpuIsolator cpu = new PosixCpuIsolator(ps);
    PosixMemIsolator mem = new PosixMemIsolator(ps);
    for (PosixIsolator isolator : java.util.List.of(cpu, mem)) {
      isolator.prepare(container);
      isolator.isolate(container, (int) init.pid());
    }
    // ps (procps) prints whole seconds: wait for the first one
    ResourceStatistics stats = pollUsage(cpu, container, s -> s.getCpusUserTimeSecs() >= 1);
    assertTrue(stats.getCpusUserTimeSecs() >= 1 && !stats.hasCpusSystemTimeSecs(), stats.toString());
    assertTrue(pollUsage(mem, container, s -> s.getMemRssBytes() > initRss()).getMemRssBytes() > initRss(),
        "the tree's rss from ps is above the init's from /proc " + initRss());
  }
}
