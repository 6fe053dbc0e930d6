package io.corral.isolators.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.posix.Errno;
import io.corral.posix.launch.LaunchException;
import io.corral.posix.launch.LaunchedContainer;
import io.corral.posix.launch.Launcher;
import io.corral.posix.launch.Stdio;
import io.corral.posix.testing.FakeLinux;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.Namespace;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The freezer launcher's policy over FakeLinux and a scripted delegate launcher. */
class FreezerLauncherTest {
  private static final Path FREEZER = Path.of("/sys/fs/cgroup/freezer");
  private static final Path C1 = FREEZER.resolve("corral/c1");
  private static final int INIT = 42;
  private final FakeLinux kernel = new FakeLinux().addProcess(INIT, 1, INIT, 0, 0, 0);
  private final ScriptedLauncher delegate = new ScriptedLauncher();

  private Launcher launcher(Duration timeout) {
    Hierarchies hierarchies = new Hierarchies(kernel.linux(), CgroupsConfig.defaults());
    return new FreezerLauncher(delegate, hierarchies.get("freezer"), kernel.linux(), timeout);
  }

  private static LaunchPlan plan(boolean pidNamespace) {
    LaunchPlan.Builder plan = LaunchPlan.newBuilder();
    if (pidNamespace) {
      plan.addCloneNamespaces(Namespace.PID);
    }
    return plan.build();
  }

  private List<String> freezerCalls() {
    return kernel.calls().stream().filter(c -> c.contains("freezer/corral/c1") || c.startsWith("kill")).toList();
  }

  @Test
  void theInitIsInItsFreezerCgroupBeforeForkReturns() {
    LaunchedContainer c = launcher(Duration.ofSeconds(1)).fork("c1", plan(false), Stdio.inherit());
    assertEquals(List.of(INIT), kernel.linux().cgroups().at(FREEZER).procs("corral/c1"));
    assertFalse(delegate.released, "not released by fork");
    assertEquals(List.of("mkdir path='" + C1 + "'",
        "write path='" + C1 + "/cgroup.procs' value='42'"), freezerCalls());
    assertEquals(INIT, c.initPid());
  }

  @Test
  void withoutAPidNamespaceKillFreezesKillsEveryPidThawsThenKillsTheInit() {
    LaunchedContainer c = launcher(Duration.ofSeconds(1)).fork("c1", plan(false), Stdio.inherit());
    kernel.addProcess(43, INIT, 43, 0, 0, 0); // a child that left the session
    kernel.linux().cgroups().at(FREEZER).assign("corral/c1", 43);
    c.kill();
    List<String> calls = freezerCalls().subList(3, freezerCalls().size());
    assertEquals(List.of(
        "write path='" + C1 + "/freezer.state' value='FROZEN'",
        "kill pid=42 signal=9",
        "kill pid=43 signal=9",
        "write path='" + C1 + "/freezer.state' value='THAWED'"), calls);
    assertEquals(List.of(), kernel.linux().cgroups().at(FREEZER).procs("corral/c1"));
    assertEquals(1, delegate.kills, "the delegate still kills (and reaps) the init");
  }

  @Test
  void withAPidNamespaceKillIsTheDelegatesAndTheFreezerIsTheBackstopAtExit() throws Exception {
    LaunchedContainer c = launcher(Duration.ofSeconds(1)).fork("c1", plan(true), Stdio.inherit());
    c.kill();
    assertEquals(2, freezerCalls().size(), "no freeze for a pid namespace: " + freezerCalls());
    assertEquals(1, delegate.kills);
    kernel.removeProcess(INIT);
    kernel.addProcess(44, 1, 44, 0, 0, 0); // left behind in the cgroup somehow
    kernel.linux().cgroups().at(FREEZER).assign("corral/c1", 44);
    delegate.exited.complete(9);
    assertEquals(9, c.exited().get(5, TimeUnit.SECONDS));
    assertFalse(kernel.hasProcess(44), "the backstop killed the leftover");
    assertFalse(kernel.linux().cgroups().at(FREEZER).exists("corral/c1"), "cgroup removed");
  }

  @Test
  void aBusyCgroupIsRetriedUntilItCanBeRemoved() throws Exception {
    LaunchedContainer c = launcher(Duration.ofSeconds(5)).fork("c1", plan(true), Stdio.inherit());
    kernel.removeProcess(INIT);
    kernel.failNext("rmdir", Errno.EBUSY);
    kernel.failNext("rmdir", Errno.EBUSY);
    delegate.exited.complete(0);
    assertEquals(0, c.exited().get(5, TimeUnit.SECONDS));
    assertEquals(3, kernel.calls().stream().filter(s -> s.equals("rmdir path='" + C1 + "'")).count());
    assertFalse(kernel.linux().cgroups().at(FREEZER).exists("corral/c1"));
  }

  @Test
  void aDestroyThatCannotFinishSaysWhyWithThePidsLeft() {
    LaunchedContainer c = launcher(Duration.ofMillis(30)).fork("c1", plan(false), Stdio.inherit());
    for (int i = 0; i < 100_000; i++) {
      kernel.failNext("kill", Errno.EPERM); // the init cannot be killed
    }
    RuntimeException e = assertThrows(RuntimeException.class, c::kill);
    assertEquals("Failed to kill all processes in cgroup '" + C1 + "' within 30ms: pids left [42]",
        e.getMessage());
    delegate.exited.complete(9);
    ExecutionException failed = assertThrows(ExecutionException.class,
        () -> c.exited().get(5, TimeUnit.SECONDS));
    assertTrue(failed.getCause().getMessage().contains("pids left [42]"), failed.getCause().getMessage());
    kernel.clearFaults();
  }

  @Test
  void aContainerIdWhoseCgroupExistsIsRefusedBeforeAnythingIsForked() {
    kernel.linux().cgroups().at(FREEZER).mkdir("corral");
    kernel.linux().cgroups().at(FREEZER).mkdir("corral/c1");
    LaunchException e = assertThrows(LaunchException.class,
        () -> launcher(Duration.ofSeconds(1)).fork("c1", plan(false), Stdio.inherit()));
    assertEquals("Failed to create the freezer cgroup of 'c1': Failed to prepare: the cgroup at '"
        + C1 + "' already exists", e.getMessage());
    assertEquals(0, delegate.forks);
  }

  @Test
  void aFailedForkRemovesTheCgroup() {
    delegate.failFork = true;
    assertThrows(LaunchException.class,
        () -> launcher(Duration.ofSeconds(1)).fork("c1", plan(false), Stdio.inherit()));
    assertFalse(kernel.linux().cgroups().at(FREEZER).exists("corral/c1"));
  }

  /** A launcher whose one container is the fake process {@link #INIT}. */
  private static final class ScriptedLauncher implements Launcher {
    final CompletableFuture<Integer> exited = new CompletableFuture<>();
    boolean released;
    boolean failFork;
    int kills;
    int forks;
    final List<Integer> signals = new ArrayList<>();

    @Override
    public LaunchedContainer fork(String containerId, LaunchPlan plan, Stdio stdio) {
      forks++;
      if (failFork) {
        throw new LaunchException("init", null, "scripted failure");
      }
      return new LaunchedContainer() {
        public int initPid() {
          return INIT;
        }

        public int helperPid() {
          return 41;
        }

        public void release() {
          released = true;
        }

        public void abort() {}

        public void signal(int signal) {
          signals.add(signal);
        }

        public void kill() {
          kills++;
        }

        public CompletableFuture<Integer> exited() {
          return exited;
        }
      };
    }
  }
}
