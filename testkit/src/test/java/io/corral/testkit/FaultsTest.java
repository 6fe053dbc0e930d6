package io.corral.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.isolators.ContainerContext;
import io.corral.isolators.Isolator;
import io.corral.isolators.IsolatorException;
import io.corral.isolators.Phase;
import io.corral.posix.Errno;
import io.corral.posix.Linux;
import io.corral.posix.LinuxException;
import io.corral.posix.cgroup.CgroupFs;
import io.corral.posix.launch.LaunchedContainer;
import io.corral.posix.launch.Launcher;
import io.corral.posix.testing.FakeLinux;
import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.ResourceStatistics;
import io.corral.proto.v1.agent.Call;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FaultsTest {
  @TempDir Path temp;

  /** Records every call that reaches it. */
  static final class Recording implements Isolator {
    final List<String> calls = new CopyOnWriteArrayList<>();

    @Override
    public String name() {
      return "test/recording";
    }

    @Override
    public LaunchPlan prepare(ContainerContext container) {
      calls.add("prepare " + container.name());
      return LaunchPlan.getDefaultInstance();
    }

    @Override
    public void usage(ContainerContext container, ResourceStatistics.Builder statistics) {
      calls.add("usage " + container.name());
    }

    @Override
    public void cleanup(ContainerContext container) {
      calls.add("cleanup " + container.name());
    }
  }

  private ContainerContext container(String id) {
    return new ContainerContext(ContainerID.newBuilder().setValue(id).build(),
        Call.LaunchContainer.getDefaultInstance(), temp.resolve(id), temp.resolve("run-" + id));
  }

  @Test
  void failAndThrowReplaceTheCallForTheChosenContainerOnly() {
    Recording real = new Recording();
    Faults faults = new Faults();
    Faults.Rule fail = faults.inject("test/recording", Phase.PREPARE, Fault.FAIL).forContainer("a");
    Faults.Rule bug = faults.inject("test/recording", Phase.CLEANUP, Fault.THROW).forContainer("a");
    Isolator isolator = faults.wrap(List.<Isolator>of(real)).get(0);
    assertEquals("test/recording", isolator.name());

    IsolatorException refused = assertThrows(IsolatorException.class, () -> isolator.prepare(container("a")));
    assertEquals("injected failure", refused.getMessage());
    IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> isolator.cleanup(container("a")));
    assertEquals("injected exception", thrown.getMessage());
    isolator.prepare(container("ab"));
    isolator.cleanup(container("b"));
    isolator.usage(container("a"), ResourceStatistics.newBuilder());

    assertEquals(List.of("prepare ab", "cleanup b", "usage a"), real.calls, "the faulted calls never reached it");
    assertEquals(1, fail.injected());
    assertEquals(1, bug.injected());
  }

  @Test
  void timesLimitsHowOftenARuleStrikesAndClearRemovesRules() {
    Recording real = new Recording();
    Faults faults = new Faults();
    Faults.Rule rule = faults.inject("test/recording", Phase.CLEANUP, Fault.FAIL).times(2);
    Isolator isolator = faults.wrap(real);
    assertThrows(IsolatorException.class, () -> isolator.cleanup(container("a")));
    assertThrows(IsolatorException.class, () -> isolator.cleanup(container("b")));
    isolator.cleanup(container("c"));
    assertEquals(List.of("cleanup c"), real.calls);
    assertEquals(2, rule.injected());

    faults.inject("test/recording", Phase.USAGE, Fault.FAIL);
    faults.clear();
    isolator.usage(container("d"), ResourceStatistics.newBuilder());
    assertEquals(List.of("cleanup c", "usage d"), real.calls);
    assertThrows(IllegalArgumentException.class, () -> faults.inject("x", Phase.USAGE, Fault.FAIL).times(0));
  }

  @Test
  void hangBlocksThroughInterruptsUntilReleasedThenFailsWithoutCallingTheIsolator() throws Exception {
    Recording real = new Recording();
    Faults faults = new Faults();
    faults.inject("test/recording", Phase.PREPARE, Fault.HANG).forContainer("h");
    Isolator isolator = faults.wrap(real);
    Thread[] runner = new Thread[1];
    CompletableFuture<Throwable> outcome = new CompletableFuture<>();
    runner[0] = new Thread(() -> {
      try {
        isolator.prepare(container("h"));
        outcome.complete(null);
      } catch (RuntimeException e) {
        outcome.complete(e);
      }
    });
    runner[0].start();
    assertTrue(faults.awaitHangs(1, Duration.ofSeconds(10)), "the call hung");
    assertEquals(1, faults.hanging());
    runner[0].interrupt();
    assertThrows(TimeoutException.class, () -> outcome.get(200, TimeUnit.MILLISECONDS),
        "an interrupt does not end the hang");
    isolator.prepare(container("other"));

    faults.releaseAll();
    Throwable failure = outcome.get(10, TimeUnit.SECONDS);
    assertInstanceOf(IsolatorException.class, failure);
    assertEquals("injected hang was released", failure.getMessage());
    runner[0].join();
    assertEquals(0, faults.hanging());
    assertEquals(List.of("prepare other"), real.calls);
    // Once released, later hangs do not block either.
    assertThrows(IsolatorException.class, () -> isolator.prepare(container("h")));
  }

  @Test
  void cgroupWriteFailsWithTheChosenErrnoForTheChosenContainer() {
    FakeLinux fake = new FakeLinux();
    Path root = Path.of("/sys/fs/cgroup/memory");
    fake.cgroupFile(root, "memory.limit_in_bytes", "9223372036854771712");
    Faults faults = new Faults();
    Faults.Rule rule = faults.failCgroupWrite("memory.limit_in_bytes", Errno.EBUSY).forContainer("c1");
    Linux linux = faults.wrap(fake.linux());
    assertSame(fake.linux().cgroupKernel(), linux.cgroupKernel());
    assertSame(fake.linux().processes(), linux.processes());
    assertSame(fake.linux().quotas(), linux.quotas(), "every other part of the facade is kept");
    CgroupFs fs = linux.cgroups().at(root);
    fs.mkdir("corral");
    fs.mkdir("corral/c1");
    fs.mkdir("corral/c10");

    LinuxException e = assertThrows(LinuxException.class,
        () -> fs.write("corral/c1", "memory.limit_in_bytes", "1048576"));
    assertEquals(Errno.EBUSY, e.errno());
    assertEquals("write path='/sys/fs/cgroup/memory/corral/c1/memory.limit_in_bytes': EBUSY (Device or resource busy)",
        e.getMessage());
    assertEquals("9223372036854771712", fs.read("corral/c1", "memory.limit_in_bytes"), "nothing written");
    fs.write("corral/c10", "memory.limit_in_bytes", "1048576");
    assertEquals("1048576", fs.read("corral/c10", "memory.limit_in_bytes"));
    assertEquals(1, rule.injected());

    faults.failCgroupWrite("cgroup.procs", Errno.ENOSPC);
    assertEquals(Errno.ENOSPC, assertThrows(LinuxException.class, () -> fs.assign("corral/c10", 42)).errno());
  }

  @Test
  void dieBeforeExecKillsTheForkedInit() throws Exception {
    Process init = new ProcessBuilder("sleep", "1000").start();
    try {
      Launcher real = (id, plan, stdio) -> new LaunchedContainer() {
        @Override public int initPid() {
          return (int) init.pid();
        }
        @Override public int helperPid() {
          return (int) ProcessHandle.current().pid();
        }
        @Override public void release() {}
        @Override public void abort() {}
        @Override public void signal(int signal) {}
        @Override public void kill() {}
        @Override public CompletableFuture<Integer> exited() {
          return new CompletableFuture<>();
        }
      };
      Faults faults = new Faults();
      Faults.Rule rule = faults.dieBeforeExec().forContainer("doomed");
      Launcher launcher = faults.wrap(real);
      launcher.fork("spared", LaunchPlan.getDefaultInstance(), null).release();
      assertTrue(init.isAlive(), "another container's init is left alone");
      LaunchedContainer launched = launcher.fork("doomed", LaunchPlan.getDefaultInstance(), null);
      assertEquals(init.pid(), launched.initPid());
      assertTrue(init.isAlive(), "alive until it is released");
      launched.release();
      assertTrue(init.waitFor(10, TimeUnit.SECONDS), "the init was killed");
      assertEquals(128 + 9, init.exitValue());
      assertEquals(1, rule.injected());
    } finally {
      init.destroyForcibly();
    }
  }

  @Test
  void duThatFailsOrHangs() throws Exception {
    Path failing = FaultyDu.install(temp.resolve("fail"), Fault.FAIL);
    Process du = new ProcessBuilder(failing.toString(), "-k", "-s", "/some/sandbox").start();
    assertTrue(du.waitFor(10, TimeUnit.SECONDS));
    assertEquals(1, du.exitValue());
    assertEquals("du: cannot access '/some/sandbox': Input/output error\n",
        new String(du.getErrorStream().readAllBytes()));
    assertEquals("", new String(du.getInputStream().readAllBytes()));

    Path hanging = FaultyDu.install(temp.resolve("hang"), Fault.HANG);
    Process hung = new ProcessBuilder(hanging.toString(), "-k", "-s", "/some/sandbox").start();
    try {
      assertFalse(hung.waitFor(300, TimeUnit.MILLISECONDS), "a hung du does not exit by itself");
      assertTrue(hung.isAlive());
    } finally {
      hung.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    assertThrows(IllegalArgumentException.class, () -> FaultyDu.install(temp, Fault.THROW));
  }

  @Test
  void recoverIsAPhaseToo() {
    Recording real = new Recording();
    Faults faults = new Faults();
    faults.inject("test/recording", Phase.RECOVER, Fault.FAIL).forContainer("r");
    Isolator isolator = faults.wrap(real);
    isolator.recover(List.of(container("x")));
    assertThrows(IsolatorException.class, () -> isolator.recover(List.of(container("x"), container("r"))));
  }
}
