package io.corral.actors;

import static io.corral.actors.Fixture.TIMEOUT;
import static io.corral.actors.Fixture.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.isolators.LaunchPlans;
import io.corral.isolators.Phase;
import io.corral.posix.Errno;
import io.corral.posix.launch.LaunchException;
import io.corral.proto.v1.ContainerConfig;
import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.ContainerInfo;
import io.corral.proto.v1.ContainerPids;
import io.corral.proto.v1.ContainerTermination;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.Namespace;
import io.corral.proto.v1.TaskState;
import io.corral.proto.v1.TaskStatus;
import io.corral.proto.v1.agent.Call;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Launch: validation, the order of isolator phases, and failures at each step. */
@ExtendWith(LogCapturingExtension.class)
class ContainerLaunchTest {
  static final ActorTestKit KIT = ActorTestKit.create("launch", Fixture.config());

  @TempDir Path temp;

  @AfterAll
  static void shutdown() {
    KIT.shutdownTestKit();
  }

  @Test
  void launchPreparesInOrderIsolatesThenReleases() throws Exception {
    Fixture f = new Fixture(KIT, temp, "a", "b");
    f.isolator("a").fragment = LaunchPlan.newBuilder().addCloneNamespaces(Namespace.PID)
        .addEnvironment("FROM_A=1").build();
    f.isolator("b").fragment = LaunchPlan.newBuilder().addCloneNamespaces(Namespace.PID)
        .addCloneNamespaces(Namespace.MOUNT).build();

    assertEquals(new Containerizer.Launched(Fixture.id("c1")), f.launch(request("c1", "echo hi")));

    List<String> events = f.eventsOf("c1");
    assertEquals(List.of("prepare a", "prepare b", "fork"), events.subList(0, 3));
    assertEquals("release", events.get(events.size() - 1));
    assertTrue(events.containsAll(List.of("watch a", "watch b", "isolate a", "isolate b")), events.toString());
    assertTrue(events.indexOf("isolate a") > events.indexOf("fork"));

    LaunchPlan plan = f.launcher.plans.get("c1");
    Path sandbox = f.paths.sandbox("c1");
    assertEquals(1, plan.getVersion());
    assertEquals(List.of(Namespace.PID, Namespace.MOUNT), plan.getCloneNamespacesList());
    assertEquals(List.of("/bin/sh", "-c", "echo hi"), plan.getArgvList());
    // The sandbox as working directory and MESOS_SANDBOX come from filesystem/posix, not here.
    assertFalse(plan.hasWorkingDirectory());
    assertEquals(f.paths.status("c1").toString(), plan.getStatusPath());
    assertEquals(List.of("FROM_A=1", "PATH=" + LaunchPlans.DEFAULT_PATH), plan.getEnvironmentList());

    assertTrue(Files.isDirectory(sandbox));
    ContainerConfig config = ContainerConfig.parseFrom(Files.readAllBytes(f.paths.config("c1")));
    assertEquals(List.of("a", "b"), config.getIsolatorsList());
    assertEquals(plan, config.getPlan());
    ContainerPids pids = ContainerPids.parseFrom(Files.readAllBytes(f.paths.pids("c1")));
    assertEquals(f.launcher.only("c1").initPid(), pids.getInitPid());
  }

  @Test
  void duplicateLaunchLeavesTheFirstContainerUntouched() {
    Fixture f = new Fixture(KIT, temp, "a");
    f.launched("dup");
    assertEquals(new Containerizer.AlreadyLaunched(Fixture.id("dup")), f.launch(request("dup", "false")));

    assertEquals(1, f.launcher.forked.get("dup").size());
    assertFalse(f.launcher.only("dup").exited.isDone());
    assertEquals(1, f.eventsOf("dup").stream().filter(e -> e.equals("prepare a")).count());
    f.waitFor("dup").expectNoMessage(java.time.Duration.ofMillis(200));

    f.launcher.only("dup").exited.complete(0);
    f.terminated("dup");
    assertEquals(new Containerizer.AlreadyLaunched(Fixture.id("dup")), f.launch(request("dup", "true")));
  }

  @Test
  void invalidRequestsAreRefusedBeforeAnythingIsCreated() throws Exception {
    Fixture f = new Fixture(KIT, temp, "a");
    for (String id : List.of(".", "a/b", "a b", "", "x".repeat(300), "nul\0")) {
      Containerizer.LaunchReply reply = f.launch(request(id, "true"));
      ContainerError.InvalidRequest error = assertInstanceOf(ContainerError.InvalidRequest.class,
          assertInstanceOf(Containerizer.Rejected.class, reply).error());
      assertTrue(error.message().startsWith("Invalid container id '"), error.message());
      if (!id.contains("\0")) {
        assertTrue(error.message().contains("'" + id + "'"), error.message());
      }
    }
    Call.LaunchContainer nested = request("child", "true").toBuilder()
        .setContainerId(ContainerID.newBuilder().setValue("child").setParent(Fixture.id("parent"))).build();
    assertEquals("Nested containers are not supported", rejected(f, nested).message());
    Call.LaunchContainer docker = request("d", "true").toBuilder()
        .setContainer(ContainerInfo.newBuilder().setType(ContainerInfo.Type.DOCKER)).build();
    assertEquals("The provided ContainerInfo is not supported", rejected(f, docker).message());
    assertInstanceOf(ContainerError.InvalidRequest.class,
        rejected(f, request("n", "true").toBuilder().clearCommand().build()));
    assertInstanceOf(ContainerError.InvalidRequest.class, rejected(f, request("v", "true").toBuilder()
        .setCommand(io.corral.proto.v1.CommandInfo.newBuilder().addArguments("x")).build()));
    assertEquals(244, "x".repeat(242).length() + 2);
    assertInstanceOf(Containerizer.Launched.class, f.launch(request("x".repeat(242), "true")));

    try (Stream<Path> created = Files.list(f.workDir.resolve("containers"))) {
      assertEquals(List.of("x".repeat(242)), created.map(p -> p.getFileName().toString()).toList());
    }
    assertTrue(f.events.stream().allMatch(e -> e.endsWith("x".repeat(242))), f.events.toString());
  }

  private static ContainerError rejected(Fixture f, Call.LaunchContainer request) {
    return assertInstanceOf(Containerizer.Rejected.class, f.launch(request)).error();
  }

  @Test
  void prepareFailureCleansUpPreparedIsolatorsInReverse() {
    Fixture f = new Fixture(KIT, temp, "a", "b", "c");
    f.isolator("b").prepareFailure = FakeIsolator.refusal("no room");

    ContainerError error = assertInstanceOf(Containerizer.Rejected.class, f.launch(request("pf", "true"))).error();
    assertEquals(new ContainerError.IsolatorFailed("b", Phase.PREPARE, "no room"), error);
    assertEquals(List.of("prepare a", "prepare b", "cleanup b", "cleanup a"), f.eventsOf("pf"));

    ContainerTermination termination = f.terminated("pf");
    assertEquals(TaskState.TASK_FAILED, termination.getState());
    assertEquals(TaskStatus.Reason.REASON_CONTAINER_LAUNCH_FAILED, termination.getReason());
    assertEquals("Failed to launch container: Failed to prepare with isolator 'b': no room", termination.getMessage());
    assertFalse(termination.hasStatus());
    assertTrue(Files.exists(f.paths.termination("pf")));
  }

  @Test
  void releaseFailureKillsTheInitAndCleansUp() {
    Fixture f = new Fixture(KIT, temp, "a", "b");
    f.launcher.releaseFailure = new LaunchException("exec", Errno.ENOENT,
        "exec '/no/such': ENOENT (No such file or directory)");

    ContainerError error = assertInstanceOf(Containerizer.Rejected.class, f.launch(request("rf", "/no/such"))).error();
    assertEquals(new ContainerError.LaunchFailed(java.util.Optional.of("exec"), java.util.Optional.of(Errno.ENOENT),
        "exec '/no/such': ENOENT (No such file or directory)"), error);
    List<String> events = f.eventsOf("rf");
    assertEquals(List.of("release", "kill", "cleanup b", "cleanup a"), events.subList(events.size() - 4, events.size()));

    ContainerTermination termination = f.terminated("rf");
    assertEquals("Failed to launch container: exec '/no/such': ENOENT (No such file or directory)",
        termination.getMessage());
    assertEquals(TaskStatus.Reason.REASON_CONTAINER_LAUNCH_FAILED, termination.getReason());
    assertEquals(9, termination.getStatus());
  }

  @Test
  void containerActorsRunOnCorralsOwnDispatcher() {
    Fixture f = new Fixture(KIT, temp, "a");
    f.launched("d");
    // Also called from the test's thread and the blocking dispatcher; never from Pekko's default.
    java.util.Set<String> threads = f.isolator("a").nameThreads;
    assertTrue(threads.stream().anyMatch(t -> t.contains("corral.actor-dispatcher")), threads.toString());
    assertTrue(threads.stream().noneMatch(t -> t.contains("default-dispatcher")), threads.toString());
  }

  @Test
  void throwingIsolatorIsContainedAndTheContainerDestroyed() {
    Fixture f = new Fixture(KIT, temp, "a", "b");
    f.isolator("b").isolateFailure = new IllegalStateException("bug in b");
    f.isolator("a").cleanupFailure = new RuntimeException("still busy");

    ContainerError error = assertInstanceOf(Containerizer.Rejected.class, f.launch(request("t", "true"))).error();
    assertEquals(new ContainerError.IsolatorFailed("b", Phase.ISOLATE,
        new ContainerError.IsolatorFailed.Cause.Threw("java.lang.IllegalStateException", "bug in b")), error);
    List<String> events = f.eventsOf("t");
    assertTrue(events.contains("abort"), events.toString());
    assertFalse(events.contains("release"), events.toString());
    // Isolate runs on all isolators at once, so 'isolate a' may finish after 'cleanup b'; what
    // matters is the reverse cleanup order and that a's cleanup waits for its isolate.
    // a's cleanup keeps failing: it is tried three times (corral.actors.cleanup-attempts).
    assertEquals(List.of("cleanup b", "cleanup a", "cleanup a", "cleanup a"),
        events.stream().filter(e -> e.startsWith("cleanup")).toList());
    assertTrue(events.indexOf("cleanup a") > events.indexOf("isolate a"), events.toString());
    ContainerTermination termination = f.terminated("t");
    assertEquals("Failed to launch container: Failed to isolate with isolator 'b': bug in b; "
        + "Failed to clean up an isolator when destroying container: "
        + "Failed to cleanup with isolator 'a': still busy (after 3 attempts)", termination.getMessage());
    assertEquals(256, termination.getStatus());

    f.isolator("b").isolateFailure = null;
    f.launched("after");
  }

  @Test
  void launchThatDoesNotReachExecInTimeIsDestroyed() {
    Fixture f = new Fixture(KIT, temp, java.time.Duration.ofMillis(300), "a");
    f.launcher.releaseHangs = true;
    ContainerError error = assertInstanceOf(Containerizer.Rejected.class, f.launch(request("slow", "true"))).error();
    assertEquals(new ContainerError.LaunchFailed("exec did not happen within 300ms"), error);
    List<String> events = f.eventsOf("slow");
    assertEquals(List.of("release", "kill", "cleanup a"), events.subList(events.size() - 3, events.size()));
  }

  @Test
  void sigkillDuringPrepareDestroysAfterThePrepareFinishes() throws Exception {
    Fixture f = new Fixture(KIT, temp, "a", "b");
    java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
    f.isolator("a").prepareGate = gate;
    TestProbe<Containerizer.LaunchReply> launch = KIT.createTestProbe();
    f.containerizer.tell(new Containerizer.Launch(request("kp", "true"), null, launch.getRef()));
    assertTrue(f.isolator("a").prepareEntered.await(10, java.util.concurrent.TimeUnit.SECONDS));

    assertEquals(new Containerizer.Killed(Fixture.id("kp")), f.kill("kp", 9));
    launch.expectNoMessage(java.time.Duration.ofMillis(200));
    gate.countDown();

    ContainerError error = assertInstanceOf(Containerizer.Rejected.class, launch.receiveMessage(TIMEOUT)).error();
    assertEquals("Failed to launch container: killed while PREPARING", error.message());
    assertEquals(List.of("prepare a", "cleanup a"), f.eventsOf("kp"));
    assertTrue(f.launcher.forked.isEmpty());
  }

  @Test
  void aCommandThatExitsBeforeReleaseReturnsStillLaunched() {
    Fixture f = new Fixture(KIT, temp, "a");
    f.launcher.exitDuringRelease = 0;
    assertEquals(new Containerizer.Launched(Fixture.id("fast")), f.launch(request("fast", "true")));
    ContainerTermination termination = f.terminated("fast");
    assertEquals(ContainerTermination.newBuilder().setStatus(0).build(), termination);
    List<String> events = f.eventsOf("fast");
    assertEquals(List.of("release", "cleanup a"), events.subList(events.size() - 2, events.size()));
  }

  @Test
  void anAbortedInitThatDoesNotExitIsKilled() {
    Fixture f = new Fixture(KIT, temp, "a");
    f.isolator("a").isolateFailure = FakeIsolator.refusal("no cgroup");
    f.launcher.abortIgnored = true;
    ContainerError error = assertInstanceOf(Containerizer.Rejected.class, f.launch(request("stuck", "true"))).error();
    assertEquals(new ContainerError.IsolatorFailed("a", Phase.ISOLATE, "no cgroup"), error);
    List<String> events = f.eventsOf("stuck");
    assertEquals(List.of("abort", "kill", "cleanup a"), events.subList(events.size() - 3, events.size()));
    assertEquals(9, f.terminated("stuck").getStatus());
  }

  @Test
  void fiftyConcurrentLaunchesAllReplyAndAllWaitsArrive() {
    Fixture f = new Fixture(KIT, temp, "a", "b");
    List<TestProbe<Containerizer.LaunchReply>> launches = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      TestProbe<Containerizer.LaunchReply> probe = KIT.createTestProbe();
      f.containerizer.tell(new Containerizer.Launch(request("c" + i, "true"), null, probe.getRef()));
      launches.add(probe);
    }
    List<TestProbe<Containerizer.WaitReply>> waits = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      assertEquals(new Containerizer.Launched(Fixture.id("c" + i)), launches.get(i).receiveMessage(TIMEOUT));
      waits.add(f.waitFor("c" + i));
    }
    for (int i = 0; i < 50; i++) {
      f.launcher.only("c" + i).exited.complete(i << 8);
    }
    for (int i = 0; i < 50; i++) {
      Containerizer.Terminated t = assertInstanceOf(Containerizer.Terminated.class, waits.get(i).receiveMessage(TIMEOUT));
      assertEquals(i << 8, t.termination().getStatus());
    }
    assertEquals(50, f.list().containers().size());
  }
}
