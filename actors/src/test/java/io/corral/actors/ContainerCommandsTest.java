package io.corral.actors;

import static io.corral.actors.Fixture.TIMEOUT;
import static io.corral.actors.Fixture.id;
import static io.corral.actors.Fixture.request;
import static io.corral.actors.Fixture.scalar;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.isolators.Limitation;
import io.corral.proto.v1.ContainerTermination;
import io.corral.proto.v1.ResourceStatistics;
import io.corral.proto.v1.TaskState;
import io.corral.proto.v1.TaskStatus;
import io.corral.proto.v1.Value;
import io.corral.proto.v1.agent.Call;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Wait, Kill, Remove, Usage and GetContainers on running, terminated and unknown containers. */
@ExtendWith(LogCapturingExtension.class)
class ContainerCommandsTest {
  static final ActorTestKit KIT = ActorTestKit.create("commands", Fixture.config());
  static final Duration SHORT = Duration.ofMillis(200);

  @TempDir Path temp;

  @AfterAll
  static void shutdown() {
    KIT.shutdownTestKit();
  }

  @Test
  void exitStatusIsTheOnlyTerminationInfoAndWaitWorksBeforeAndAfter() {
    Fixture f = new Fixture(KIT, temp, "a");
    f.launched("e");
    TestProbe<Containerizer.WaitReply> early = f.waitFor("e");
    early.expectNoMessage(SHORT);

    f.launcher.only("e").exited.complete(768);

    ContainerTermination termination =
        assertInstanceOf(Containerizer.Terminated.class, early.receiveMessage(TIMEOUT)).termination();
    assertEquals(ContainerTermination.newBuilder().setStatus(768).build(), termination);
    assertEquals(termination, f.terminated("e"));
    assertEquals(List.of("cleanup a"), f.eventsOf("e").subList(f.eventsOf("e").size() - 1, f.eventsOf("e").size()));
    assertFalse(f.eventsOf("e").contains("kill"));
  }

  @Test
  void sigkillDestroysAndWaitGetsTheStatusFromExit() {
    Fixture f = new Fixture(KIT, temp, "a", "b");
    f.launched("k");
    TestProbe<Containerizer.WaitReply> waiting = f.waitFor("k");

    assertEquals(new Containerizer.Killed(id("k")), f.kill("k", 9));

    Containerizer.Terminated t = assertInstanceOf(Containerizer.Terminated.class, waiting.receiveMessage(TIMEOUT));
    assertEquals(ContainerTermination.newBuilder().setStatus(9).build(), t.termination());
    List<String> events = f.eventsOf("k");
    assertEquals(List.of("kill", "cleanup b", "cleanup a"), events.subList(events.size() - 3, events.size()));
    assertEquals(new Containerizer.Killed(id("k")), f.kill("k", 9));
  }

  @Test
  void otherSignalsAreForwardedAndTheContainerKeepsRunning() {
    Fixture f = new Fixture(KIT, temp, "a");
    f.launched("s");
    assertEquals(new Containerizer.Killed(id("s")), f.kill("s", 15));
    assertTrue(f.eventsOf("s").contains("signal 15"), f.eventsOf("s").toString());
    assertFalse(f.eventsOf("s").contains("kill"));
    f.waitFor("s").expectNoMessage(SHORT);

    f.launcher.only("s").exited.complete(15);
    assertEquals(15, f.terminated("s").getStatus());
    assertInstanceOf(Containerizer.Rejected.class, f.kill("s", 15));
  }

  @Test
  void unknownIdsAreNotFound() {
    Fixture f = new Fixture(KIT, temp, "a");
    ContainerError notFound = new ContainerError.NotFound(id("nope"));
    assertEquals(new Containerizer.Rejected(notFound),
        f.waitFor("nope").expectMessageClass(Containerizer.WaitReply.class, TIMEOUT));
    assertEquals(new Containerizer.Rejected(notFound), f.kill("nope", 9));
    assertEquals(new Containerizer.Rejected(notFound), f.usage("nope"));
    assertEquals(new Containerizer.Rejected(notFound), f.remove("nope"));
  }

  @Test
  void removeRefusesARunningContainerAndDeletesATerminatedOne() {
    Fixture f = new Fixture(KIT, temp, "a");
    f.launched("r");
    ContainerError error = assertInstanceOf(Containerizer.Rejected.class, f.remove("r")).error();
    assertEquals(ContainerState.RUNNING, assertInstanceOf(ContainerError.InvalidState.class, error).state());
    assertTrue(Files.isDirectory(f.paths.sandbox("r")));

    f.launcher.only("r").exited.complete(0);
    f.terminated("r");
    assertTrue(Files.isDirectory(f.paths.runtime("r")));
    assertEquals(new Containerizer.Removed(id("r")), f.remove("r"));

    assertFalse(Files.exists(f.paths.sandbox("r")));
    assertFalse(Files.exists(f.paths.runtime("r")));
    assertEquals(new Containerizer.Rejected(new ContainerError.NotFound(id("r"))),
        f.waitFor("r").expectMessageClass(Containerizer.WaitReply.class, TIMEOUT));
    assertEquals(new Containerizer.Rejected(new ContainerError.NotFound(id("r"))), f.remove("r"));
    f.launched("r");
  }

  @Test
  void watchLimitationDestroysWithItsReasonAndMessage() {
    Fixture f = new Fixture(KIT, temp, "mem", "disk");
    f.launched("l");
    Limitation limitation = new Limitation(List.of(scalar("disk", 10)), "Disk usage (20MB) exceeds quota (10MB)",
        TaskStatus.Reason.REASON_CONTAINER_LIMITATION_DISK);
    f.isolator("disk").watchOf("l").complete(limitation);

    ContainerTermination termination = f.terminated("l");
    assertEquals(TaskState.TASK_FAILED, termination.getState());
    assertEquals(TaskStatus.Reason.REASON_CONTAINER_LIMITATION_DISK, termination.getReason());
    assertEquals("Disk usage (20MB) exceeds quota (10MB)", termination.getMessage());
    assertEquals(List.of(scalar("disk", 10)), termination.getLimitedResourcesList());
    assertEquals(9, termination.getStatus());
    assertTrue(f.eventsOf("l").contains("kill"));
  }

  @Test
  void aLimitationReportedAtCleanupAfterAnExitIsTheTerminationsReason() {
    // the kernel killed the whole cgroup at an OOM: the exit came first, the report at cleanup
    Fixture f = new Fixture(KIT, temp, "mem", "pids");
    Limitation oom = new Limitation(List.of(scalar("mem", 32)), "Memory limit exceeded: Requested: 32MB",
        TaskStatus.Reason.REASON_CONTAINER_LIMITATION_MEMORY);
    f.isolator("mem").atCleanup = name -> f.isolator("mem").watchOf(name).complete(oom);
    f.launched("o");

    f.launcher.only("o").exited.complete(9);

    ContainerTermination termination = f.terminated("o");
    assertEquals(TaskState.TASK_FAILED, termination.getState());
    assertEquals(TaskStatus.Reason.REASON_CONTAINER_LIMITATION_MEMORY, termination.getReason());
    assertEquals("Memory limit exceeded: Requested: 32MB", termination.getMessage());
    assertEquals(List.of(scalar("mem", 32)), termination.getLimitedResourcesList());
    assertEquals(9, termination.getStatus());
  }

  @Test
  void aLateLimitationNeverReplacesTheReasonTheDestroyHad() {
    Fixture f = new Fixture(KIT, temp, "mem", "disk");
    f.isolator("mem").atCleanup = name -> f.isolator("mem").watchOf(name).complete(
        new Limitation(List.of(), "Memory limit exceeded", TaskStatus.Reason.REASON_CONTAINER_LIMITATION_MEMORY));
    f.launched("d");

    f.isolator("disk").watchOf("d").complete(new Limitation(List.of(scalar("disk", 10)), "Disk usage exceeds quota",
        TaskStatus.Reason.REASON_CONTAINER_LIMITATION_DISK));

    ContainerTermination termination = f.terminated("d");
    assertEquals(TaskStatus.Reason.REASON_CONTAINER_LIMITATION_DISK, termination.getReason());
    assertEquals("Disk usage exceeds quota", termination.getMessage());
  }

  @Test
  void usageMergesIsolatorNumbersAndSetsLimitsFromTheLaunch() {
    Fixture f = new Fixture(KIT, temp, "cpu", "mem");
    f.isolator("cpu").usage = s -> s.setCpusUserTimeSecs(1.5).setProcesses(3);
    f.isolator("mem").usage = s -> s.setMemRssBytes(1000).setProcesses(4);
    Call.LaunchContainer request = request("u", "true").toBuilder()
        .addResources(scalar("cpus", 0.5)).addResources(scalar("mem", 64))
        .putLimits("mem", Value.Scalar.newBuilder().setValue(128).build())
        .putLimits("cpus", Value.Scalar.newBuilder().setValue(2).build())
        .build();
    assertInstanceOf(Containerizer.Launched.class, f.launch(request));

    ResourceStatistics s = assertInstanceOf(Containerizer.Statistics.class, f.usage("u")).statistics();
    assertEquals(1.5, s.getCpusUserTimeSecs());
    assertEquals(1000, s.getMemRssBytes());
    assertEquals(4, s.getProcesses());
    assertEquals(0.5, s.getCpusSoftLimit());
    assertEquals(64L << 20, s.getMemSoftLimitBytes());
    assertEquals(128L << 20, s.getMemLimitBytes());
    assertEquals(2.0, s.getCpusLimit());
    assertTrue(Math.abs(s.getTimestamp() - System.currentTimeMillis() / 1000.0) < 60, "timestamp " + s.getTimestamp());

    f.launched("nolimit");
    ResourceStatistics plain = assertInstanceOf(Containerizer.Statistics.class, f.usage("nolimit")).statistics();
    assertFalse(plain.hasMemLimitBytes());
    assertFalse(plain.hasCpusLimit());
  }

  @Test
  void getContainersListsRunningAndTerminatedContainers() {
    Fixture f = new Fixture(KIT, temp, "a");
    f.isolator("a").usage = s -> s.setMemRssBytes(42);
    f.launched("run");
    f.launched("done");
    f.launcher.only("done").exited.complete(256);
    f.terminated("done");

    Map<String, Containerizer.ContainerSnapshot> listed = byId(f.list());
    assertEquals(List.of("run", "done"), List.copyOf(listed.keySet()));
    Containerizer.ContainerSnapshot run = listed.get("run");
    assertEquals(ContainerState.RUNNING, run.state());
    assertEquals(f.launcher.only("run").initPid(), run.status().getExecutorPid());
    assertEquals(id("run"), run.status().getContainerId());
    assertEquals(42, run.statistics().getMemRssBytes());
    assertTrue(run.termination().isEmpty());
    Containerizer.ContainerSnapshot done = listed.get("done");
    assertEquals(ContainerState.TERMINATED, done.state());
    assertEquals(256, done.termination().orElseThrow().getStatus());
  }

  @Test
  void aContainerThatDoesNotAnswerInTimeIsListedWithItsLastKnownState() throws Exception {
    Fixture f = new Fixture(KIT, temp, "slow");
    f.launched("quick");
    CountDownLatch stuck = new CountDownLatch(1);
    f.isolator("slow").usage = s -> {
      try {
        stuck.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
    try {
      TestProbe<Containerizer.Containers> probe = KIT.createTestProbe();
      f.containerizer.tell(new Containerizer.GetContainers(probe.getRef()));
      // list-timeout (500ms) is well below usage-timeout (3s): the fallback must answer first.
      Map<String, Containerizer.ContainerSnapshot> listed = byId(probe.receiveMessage(Duration.ofMillis(2_000)));
      assertEquals(ContainerState.RUNNING, listed.get("quick").state());
      assertEquals(f.launcher.only("quick").initPid(), listed.get("quick").status().getExecutorPid());
      assertFalse(listed.get("quick").statistics().hasMemRssBytes());
      assertTrue(listed.get("quick").statistics().hasTimestamp());
    } finally {
      stuck.countDown();
    }
  }

  @Test
  void aBugInTheContainerActorIsContainedByDestroyingTheContainer() {
    Fixture f = new Fixture(KIT, temp, "a");
    f.launched("bug");
    // A null message makes building the termination throw inside the container actor.
    f.isolator("a").watchOf("bug").complete(
        new Limitation(List.of(), null, TaskStatus.Reason.REASON_CONTAINER_LIMITATION_MEMORY));

    ContainerTermination termination = f.terminated("bug");
    assertEquals(TaskState.TASK_FAILED, termination.getState());
    assertTrue(termination.getMessage().startsWith("Failed to run container: "), termination.getMessage());
    assertEquals(9, termination.getStatus());
    List<String> events = f.eventsOf("bug");
    assertEquals(List.of("kill", "cleanup a"), events.subList(events.size() - 2, events.size()));
    assertEquals(new Containerizer.Killed(id("bug")), f.kill("bug", 9));
  }

  @Test
  void aContainerActorThatStopsIsAnsweredForByTheRoot() {
    Fixture f = new Fixture(KIT, temp, "a");
    f.isolator("a").nameThrows = true;
    ContainerError error = assertInstanceOf(Containerizer.Rejected.class, f.launch(request("gone", "true"))).error();
    assertEquals("Failed to run container: its actor stopped unexpectedly", error.message());
    assertEquals(TaskState.TASK_FAILED, f.terminated("gone").getState());
    assertEquals(ContainerState.TERMINATED, byId(f.list()).get("gone").state());
    f.isolators.get(0).nameThrows = false;
    assertEquals(new Containerizer.Removed(id("gone")), f.remove("gone"));
    f.launched("gone");
  }

  private static Map<String, Containerizer.ContainerSnapshot> byId(Containerizer.Containers containers) {
    return containers.containers().stream().collect(Collectors.toMap(s -> s.id().getValue(), Function.identity(),
        (a, b) -> a, java.util.LinkedHashMap::new));
  }
}
