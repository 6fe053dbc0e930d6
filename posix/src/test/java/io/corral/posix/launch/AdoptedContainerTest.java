package io.corral.posix.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.posix.Errno;
import io.corral.posix.ProcStat;
import io.corral.posix.testing.FakeLinux;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.Namespace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PidNamespaceLauncher#recover} on the fake kernel: a live init with the checkpointed
 * start time is adopted and its exit is seen through its pidfd with the recorded status; a
 * gone or reused pid is not adopted; signals and kills go through the pidfd (and, without a
 * pid namespace, to the init's session too).
 */
class AdoptedContainerTest {
  private final FakeLinux fake = new FakeLinux();
  private final ExecutorService executor = Executors.newCachedThreadPool();
  @TempDir Path dir;

  @AfterEach
  void stop() {
    executor.shutdownNow();
  }

  private PidNamespaceLauncher launcher() {
    return new PidNamespaceLauncher(dir.resolve("corral-init"), fake.linux().processes(), fake.linux().proc(), executor);
  }

  private LaunchPlan plan(boolean pidNamespace) {
    LaunchPlan.Builder plan = LaunchPlan.newBuilder().setVersion(1).setStatusPath(dir.resolve("status").toString());
    if (pidNamespace) {
      plan.addCloneNamespaces(Namespace.PID);
    }
    return plan.build();
  }

  private void init(int pid, long startTicks) {
    fake.addProcess(new ProcStat(pid, 1, pid, pid, 'S', "corral-init", 0, 0, 1, startTicks));
  }

  @Test
  void aLiveInitIsAdoptedAndItsExitReportsTheRecordedStatus() throws Exception {
    init(50, 777);
    LaunchedContainer adopted = launcher().recover("c", plan(true), 50, 49, 777).orElseThrow();
    assertEquals(50, adopted.initPid());
    assertEquals(49, adopted.helperPid());
    adopted.release(); // already released by the earlier agent: nothing happens
    adopted.signal(10); // SIGUSR1: the fake kernel only records it
    assertTrue(fake.calls().stream().anyMatch(c -> c.startsWith("pidfd_send_signal") && c.endsWith("signal=10")),
        fake.calls().toString());
    assertFalse(adopted.exited().isDone());

    Files.writeString(dir.resolve("status"), "768");
    fake.removeProcess(50);
    assertEquals(768, adopted.exited().get(10, TimeUnit.SECONDS));
    assertTrue(fake.calls().stream().anyMatch(c -> c.startsWith("close fd=")), "the pidfd is closed");
  }

  @Test
  void aKilledInitWithoutARecordedStatusWasKilled() throws Exception {
    init(50, 777);
    LaunchedContainer adopted = launcher().recover("c", plan(true), 50, 49, 777).orElseThrow();
    adopted.kill();
    assertEquals(9, adopted.exited().get(10, TimeUnit.SECONDS));
    assertFalse(fake.hasProcess(50));
  }

  @Test
  void withoutAPidNamespaceKillTakesTheInitsSessionToo() throws Exception {
    init(50, 777);
    fake.addProcess(new ProcStat(51, 50, 51, 50, 'S', "sleep", 0, 0, 1, 800));
    fake.addProcess(new ProcStat(52, 1, 52, 50, 'S', "sleep", 0, 0, 1, 801)); // reparented, same session
    LaunchedContainer adopted = launcher().recover("c", plan(false), 50, 49, 777).orElseThrow();
    adopted.kill();
    assertEquals(9, adopted.exited().get(10, TimeUnit.SECONDS));
    assertFalse(fake.hasProcess(51));
    assertFalse(fake.hasProcess(52));
  }

  @Test
  void aGoneOrReusedPidIsNotAdopted() {
    assertEquals(Optional.empty(), launcher().recover("c", plan(true), 60, 59, 777));
    init(61, 999); // the pid now names a process started later
    assertEquals(Optional.empty(), launcher().recover("c", plan(true), 61, 60, 777));
    assertTrue(fake.hasProcess(61), "a stranger is left alone");
    assertTrue(fake.calls().stream().anyMatch(c -> c.startsWith("close fd=")), "its pidfd is closed");
  }

  @Test
  void aPidfdThatCannotBeOpenedIsALaunchException() {
    init(50, 777);
    fake.failNext("pidfd_open", Errno.EPERM);
    LaunchException e = assertThrows(LaunchException.class, () -> launcher().recover("c", plan(true), 50, 49, 777));
    assertTrue(e.getMessage().contains("Failed to open a pidfd for the init of 'c'"), e.getMessage());
  }
}
