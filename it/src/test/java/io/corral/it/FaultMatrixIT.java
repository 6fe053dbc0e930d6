package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.actors.ContainerState;
import io.corral.actors.Containerizer;
import io.corral.actors.ContainerizerSettings;
import io.corral.isolators.IsolationFlag;
import io.corral.isolators.IsolatorRegistry;
import io.corral.isolators.Phase;
import io.corral.isolators.cgroups.CgroupsConfig;
import io.corral.it.support.Host;
import io.corral.posix.Errno;
import io.corral.posix.Linux;
import io.corral.proto.v1.CommandInfo;
import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.ContainerTermination;
import io.corral.proto.v1.Resource;
import io.corral.proto.v1.TaskStatus;
import io.corral.proto.v1.Value;
import io.corral.proto.v1.agent.Call;
import io.corral.testkit.Fault;
import io.corral.testkit.Faults;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every fault the testkit injects, at every isolator phase, on the real kernel: an embedded
 * containerizer with real isolators (cgroups/mem among them, under this run's own cgroups root)
 * wrapped by {@link Faults}, and a neighbour container that runs throughout. Each faulted
 * container must end destroyed with the message that names the isolator and the phase, the
 * neighbour must keep running, and once the container is removed nothing of it may be left:
 * no process, mount, cgroup, sandbox or runtime directory.
 *
 * <p>The phase timeout is 2secs so that the hangs are quick; hung calls stay hung (their
 * threads blocked) until the class ends and releases them.
 */
@Tag("root")
class FaultMatrixIT {
  private static final Duration REPLY = Duration.ofSeconds(30);
  private static final Duration PHASE_TIMEOUT = Duration.ofSeconds(2);
  private static final Path HIERARCHY = Path.of("/sys/fs/cgroup");
  private static final String ROOT = "corral-faults-" + UUID.randomUUID().toString().substring(0, 8);
  private static final String ISOLATION = "filesystem/posix,cgroups/cpu,cgroups/mem,namespaces/pid";
  private static final String FAULTY = "cgroups/mem";
  private static final String NEIGHBOUR = "neighbour";

  @TempDir static Path dir;
  private static ActorTestKit kit;
  private static ActorRef<Containerizer.Command> containerizer;
  private static final Faults FAULTS = new Faults();
  private static int neighbourPid;

  @BeforeAll
  static void start() {
    assumeTrue(Host.isRoot(), "needs root: cgroups, namespaces");
    assumeTrue(Files.isRegularFile(HIERARCHY.resolve("memory/cgroup.procs")),
        "needs cgroup v1 hierarchies under " + HIERARCHY);
    kit = ActorTestKit.create("fault-matrix");
    Linux linux = FAULTS.wrap(Linux.nativeDefault());
    IsolatorRegistry.Options options = IsolatorRegistry.Options.defaults()
        .withCgroups(CgroupsConfig.defaults().withRoot(HIERARCHY, ROOT));
    ContainerizerSettings host = ContainerizerSettings.forHost(linux, dir.resolve("work"),
        dir.resolve("runtime"), IsolationFlag.parse(ISOLATION), options, dir.resolve("runtime/bin"),
        Duration.ofSeconds(30));
    ContainerizerSettings settings = host
        .withIsolators(FAULTS.wrap(host.isolators()))
        .withLauncher(FAULTS.wrap(host.launcher()))
        .withIsolatorPhaseTimeout(PHASE_TIMEOUT);
    containerizer = kit.spawn(Containerizer.create(settings), "containerizer");
    assertInstanceOf(Containerizer.Launched.class, launch(NEIGHBOUR));
    neighbourPid = snapshot(NEIGHBOUR).status().getExecutorPid();
  }

  @AfterAll
  static void stop() throws IOException {
    FAULTS.releaseAll();
    if (kit == null) {
      return;
    }
    TestProbe<Containerizer.KillReply> kills = kit.createTestProbe();
    containerizer.tell(new Containerizer.Kill(id(NEIGHBOUR), 9, kills.ref()));
    kills.expectMessageClass(Containerizer.Killed.class, REPLY);
    terminated(NEIGHBOUR);
    remove(NEIGHBOUR);
    kit.shutdownTestKit();
    io.corral.it.support.AgentProcess.removeCgroupsRoot(ROOT);
  }

  static Stream<Arguments> matrix() {
    return Stream.of(Phase.PREPARE, Phase.ISOLATE, Phase.WATCH, Phase.UPDATE, Phase.USAGE, Phase.STATUS,
            Phase.CLEANUP)
        .flatMap(phase -> Stream.of(Fault.values()).map(fault -> Arguments.of(phase, fault)));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("matrix")
  void aFaultInAnyPhaseDestroysTheContainerWithItsMessageAndLeaksNothing(Phase phase, Fault fault) {
    String id = "f-" + phase.name().toLowerCase(Locale.ROOT) + "-" + fault.name().toLowerCase(Locale.ROOT);
    Host.Snapshot before = Host.Snapshot.take();
    Faults.Rule rule = FAULTS.inject(FAULTY, phase, fault).forContainer(id);
    if (phase == Phase.CLEANUP) {
      rule.times(1); // the retry cleans up for real, so that nothing is left
    }
    String detail = switch (fault) {
      case FAIL -> "injected failure";
      case THROW -> "injected exception";
      case HANG -> "timed out after 2secs";
    };
    String cause = "Failed to " + phase.verb() + " with isolator '" + FAULTY + "': " + detail;

    Containerizer.LaunchReply launched = launch(id);
    switch (phase) {
      case PREPARE, ISOLATE, WATCH -> {
        Containerizer.Rejected rejected = assertInstanceOf(Containerizer.Rejected.class, launched);
        assertEquals(cause, rejected.error().message());
        ContainerTermination termination = terminated(id);
        assertEquals("Failed to launch container: " + cause, termination.getMessage());
        assertEquals(TaskStatus.Reason.REASON_CONTAINER_LAUNCH_FAILED, termination.getReason());
      }
      case USAGE, STATUS -> {
        assertInstanceOf(Containerizer.Launched.class, launched);
        if (phase == Phase.USAGE) {
          TestProbe<Containerizer.UsageReply> usage = kit.createTestProbe();
          containerizer.tell(new Containerizer.Usage(id(id), usage.ref()));
        } else {
          containerizer.tell(new Containerizer.GetContainers(kit.<Containerizer.Containers>createTestProbe().ref()));
        }
        ContainerTermination termination = terminated(id);
        assertEquals(cause, termination.getMessage());
        assertEquals(9, termination.getStatus(), "killed by the destroy");
      }
      case UPDATE -> {
        assertInstanceOf(Containerizer.Launched.class, launched);
        TestProbe<Containerizer.UpdateReply> updates = kit.createTestProbe();
        containerizer.tell(new Containerizer.Update(id(id), List.of(scalar("mem", 64)), java.util.Map.of(),
            updates.ref()));
        Containerizer.Rejected refused = updates.expectMessageClass(Containerizer.Rejected.class, REPLY);
        assertEquals(cause, refused.error().message());
        if (fault == Fault.HANG) {
          // A hung update is a fault of the isolator: the container is destroyed.
          ContainerTermination termination = terminated(id);
          assertEquals(cause, termination.getMessage());
          assertEquals(9, termination.getStatus(), "killed by the destroy");
        } else {
          // A refused update is an answer: the container keeps running, and is killed here.
          assertEquals(ContainerState.RUNNING, snapshot(id).state());
          TestProbe<Containerizer.KillReply> kills = kit.createTestProbe();
          containerizer.tell(new Containerizer.Kill(id(id), 9, kills.ref()));
          kills.expectMessageClass(Containerizer.Killed.class, REPLY);
          assertEquals(9, terminated(id).getStatus());
        }
      }
      default -> {
        assertInstanceOf(Containerizer.Launched.class, launched);
        TestProbe<Containerizer.KillReply> kills = kit.createTestProbe();
        containerizer.tell(new Containerizer.Kill(id(id), 9, kills.ref()));
        kills.expectMessageClass(Containerizer.Killed.class, REPLY);
        ContainerTermination termination = terminated(id);
        assertEquals("Recovered from failed cleanups: isolator '" + FAULTY + "' cleaned up at attempt 2 after: "
            + cause, termination.getMessage());
      }
    }
    assertEquals(1, rule.injected());
    remove(id);
    assertNeighbourRuns();
    assertNothingLeft(before, id);
  }

  @Test
  void aKillWhileAPhaseHangsDestroysTheContainer() throws InterruptedException {
    for (Phase phase : List.of(Phase.PREPARE, Phase.ISOLATE)) {
      String id = "f-kill-hung-" + phase.name().toLowerCase(Locale.ROOT);
      Host.Snapshot before = Host.Snapshot.take();
      int hungBefore = FAULTS.hanging();
      FAULTS.inject(FAULTY, phase, Fault.HANG).forContainer(id);
      TestProbe<Containerizer.LaunchReply> launches = kit.createTestProbe();
      containerizer.tell(new Containerizer.Launch(request(id), null, launches.ref()));
      assertTrue(io.corral.it.support.Eventually.poll(REPLY, () -> FAULTS.hanging() > hungBefore),
          "the " + phase + " hung");

      TestProbe<Containerizer.KillReply> kills = kit.createTestProbe();
      containerizer.tell(new Containerizer.Kill(id(id), 9, kills.ref()));
      kills.expectMessageClass(Containerizer.Killed.class, REPLY);
      assertEquals("Failed to launch container: killed while " + (phase == Phase.PREPARE ? "PREPARING" : "ISOLATING"),
          terminated(id).getMessage());
      launches.expectMessageClass(Containerizer.Rejected.class, REPLY);
      remove(id);
      assertNeighbourRuns();
      assertNothingLeft(before, id);
    }
  }

  /**
   * Destroy while a phase other than prepare and isolate is still running: a watch that hangs
   * during the launch, and an update, usage or status that hangs in RUNNING. The KILL lands
   * before the phase timeout; the container is destroyed (killed, not timed out), whoever asked
   * for the hung phase is answered, and nothing is left.
   */
  @Test
  void aKillWhileAWatchUpdateUsageOrStatusHangsDestroysTheContainerAndAnswersTheCaller() {
    for (Phase phase : List.of(Phase.WATCH, Phase.UPDATE, Phase.USAGE, Phase.STATUS)) {
      String id = "f-kill-hung-" + phase.name().toLowerCase(Locale.ROOT);
      Host.Snapshot before = Host.Snapshot.take();
      int hungBefore = FAULTS.hanging();
      FAULTS.inject(FAULTY, phase, Fault.HANG).forContainer(id);
      TestProbe<Containerizer.LaunchReply> launches = kit.createTestProbe();
      containerizer.tell(new Containerizer.Launch(request(id), null, launches.ref()));
      TestProbe<Object> caller = kit.createTestProbe();
      if (phase != Phase.WATCH) {
        launches.expectMessageClass(Containerizer.Launched.class, REPLY);
        switch (phase) {
          case UPDATE -> containerizer.tell(new Containerizer.Update(id(id), List.of(scalar("mem", 64)),
              java.util.Map.of(), caller.ref().narrow()));
          case USAGE -> containerizer.tell(new Containerizer.Usage(id(id), caller.ref().narrow()));
          default -> containerizer.tell(new Containerizer.GetContainers(caller.ref().narrow()));
        }
      }
      assertTrue(io.corral.it.support.Eventually.poll(REPLY, () -> FAULTS.hanging() > hungBefore),
          "the " + phase + " hung");

      TestProbe<Containerizer.KillReply> kills = kit.createTestProbe();
      containerizer.tell(new Containerizer.Kill(id(id), 9, kills.ref()));
      kills.expectMessageClass(Containerizer.Killed.class, REPLY);
      ContainerTermination termination = terminated(id);
      if (phase == Phase.WATCH
          && launches.expectMessageClass(Containerizer.LaunchReply.class, REPLY) instanceof Containerizer.Rejected) {
        // The hung watch held the launch in ISOLATING (an isolator runs one call at a time).
        assertEquals("Failed to launch container: killed while ISOLATING", termination.getMessage());
      } else if (phase == Phase.WATCH) {
        // The launch got through beside the hung watch: killed while RUNNING.
        assertEquals(9, termination.getStatus(), phase + ": " + termination);
        assertFalse(termination.getMessage().contains("timed out"), phase + ": killed, not timed out: " + termination);
      } else {
        assertEquals(9, termination.getStatus(), phase + ": " + termination);
        assertFalse(termination.getMessage().contains("timed out"), phase + ": killed, not timed out: " + termination);
        Object answer = caller.expectMessageClass(Object.class, REPLY);
        assertTrue(answer instanceof Containerizer.UpdateReply || answer instanceof Containerizer.UsageReply
            || answer instanceof Containerizer.Containers, phase + " answered: " + answer);
      }
      remove(id);
      assertNeighbourRuns();
      assertNothingLeft(before, id);
    }
  }

  @Test
  void aLaunchHelperThatDiesBeforeExecFailsTheLaunch() {
    String id = "f-die-before-exec";
    Host.Snapshot before = Host.Snapshot.take();
    FAULTS.dieBeforeExec().forContainer(id);
    Containerizer.Rejected rejected = assertInstanceOf(Containerizer.Rejected.class, launch(id));
    assertEquals("Failed to launch container: corral-init exited before exec", rejected.error().message());
    assertEquals(TaskStatus.Reason.REASON_CONTAINER_LAUNCH_FAILED, terminated(id).getReason());
    remove(id);
    assertNeighbourRuns();
    assertNothingLeft(before, id);
  }

  @Test
  void aCgroupWriteThatFailsWithAnErrnoFailsThePhaseThatWroteIt() {
    String id = "f-cgroup-write";
    Host.Snapshot before = Host.Snapshot.take();
    FAULTS.failCgroupWrite("memory.limit_in_bytes", Errno.EBUSY).forContainer(id);
    Containerizer.Rejected rejected = assertInstanceOf(Containerizer.Rejected.class, launch(id));
    assertEquals("Failed to prepare with isolator 'cgroups/mem': write path='"
        + HIERARCHY.resolve("memory").resolve(ROOT).resolve(id).resolve("memory.limit_in_bytes")
        + "': EBUSY (Device or resource busy)", rejected.error().message());
    terminated(id);
    remove(id);

    String attach = "f-cgroup-attach";
    FAULTS.failCgroupWrite("cgroup.procs", Errno.ENOSPC).forContainer(attach);
    Containerizer.LaunchReply reply = launch(attach);
    terminated(attach);
    remove(attach);
    // The launcher puts the init into its freezer cgroup at fork, before any isolator attaches it.
    String message = assertInstanceOf(Containerizer.Rejected.class, reply).error().message();
    assertTrue(message.matches("Failed to launch container: Failed to assign container '" + attach
        + "' pid \\d+ to cgroup at '" + HIERARCHY.resolve("freezer").resolve(ROOT).resolve(attach)
        + "': write path='.*/" + attach + "/cgroup.procs': ENOSPC \\(No space left on device\\)"), message);
    assertNeighbourRuns();
    assertNothingLeft(before, id);
    assertNothingLeft(before, attach);
  }

  // ---------------------------------------------------------------- helpers

  private static void assertNeighbourRuns() {
    assertEquals(ContainerState.RUNNING, snapshot(NEIGHBOUR).state());
    Host.Proc init = Host.read(neighbourPid);
    assertTrue(init != null && init.alive(), "the neighbour's init " + neighbourPid + " runs");
    TestProbe<Containerizer.UsageReply> usage = kit.createTestProbe();
    containerizer.tell(new Containerizer.Usage(id(NEIGHBOUR), usage.ref()));
    Containerizer.Statistics statistics = usage.expectMessageClass(Containerizer.Statistics.class, REPLY);
    assertEquals(32L << 20, statistics.statistics().getMemLimitBytes());
  }

  private static void assertNothingLeft(Host.Snapshot before, String id) {
    Host.Snapshot after = Host.Snapshot.take();
    List<Host.Proc> leaked = before.newProcesses(after).stream()
        .filter(p -> p.alive() && Host.belowThisJvm(after.processes(), p))
        .toList();
    assertEquals(List.of(), leaked, "processes left below this JVM by '" + id + "'");
    assertEquals(Set.of(), Host.containerMounts(before.newMounts(after), dir), "mounts left by '" + id + "'");
    assertEquals(Set.of(), before.newCgroups(after).stream().filter(c -> c.endsWith("/" + id))
        .collect(Collectors.toSet()), "cgroups left by '" + id + "'");
    assertEquals(Set.of(NEIGHBOUR), Host.entries(dir.resolve("work").resolve("containers")), "sandboxes");
    assertEquals(Set.of(NEIGHBOUR), Host.entries(dir.resolve("runtime").resolve("containers")), "runtime dirs");
  }

  private static Call.LaunchContainer request(String id) {
    return Call.LaunchContainer.newBuilder()
        .setContainerId(id(id))
        .setCommand(CommandInfo.newBuilder().setValue("exec sleep 1000"))
        .addResources(scalar("cpus", 0.1))
        .addResources(scalar("mem", 32))
        .build();
  }

  private static Containerizer.LaunchReply launch(String id) {
    TestProbe<Containerizer.LaunchReply> launches = kit.createTestProbe();
    containerizer.tell(new Containerizer.Launch(request(id), null, launches.ref()));
    return launches.expectMessageClass(Containerizer.LaunchReply.class, REPLY);
  }

  private static ContainerTermination terminated(String id) {
    TestProbe<Containerizer.WaitReply> waits = kit.createTestProbe();
    containerizer.tell(new Containerizer.Wait(id(id), waits.ref()));
    return waits.expectMessageClass(Containerizer.Terminated.class, REPLY).termination();
  }

  private static void remove(String id) {
    TestProbe<Containerizer.RemoveReply> removes = kit.createTestProbe();
    containerizer.tell(new Containerizer.Remove(id(id), removes.ref()));
    removes.expectMessage(REPLY, new Containerizer.Removed(id(id)));
  }

  private static Containerizer.ContainerSnapshot snapshot(String id) {
    TestProbe<Containerizer.Containers> lists = kit.createTestProbe();
    containerizer.tell(new Containerizer.GetContainers(lists.ref()));
    return lists.expectMessageClass(Containerizer.Containers.class, REPLY).containers().stream()
        .filter(c -> c.id().equals(id(id))).findFirst().orElseThrow();
  }

  private static ContainerID id(String value) {
    return ContainerID.newBuilder().setValue(value).build();
  }

  private static Resource scalar(String name, double value) {
    return Resource.newBuilder().setName(name).setType(Value.Type.SCALAR)
        .setScalar(Value.Scalar.newBuilder().setValue(value)).build();
  }
}
