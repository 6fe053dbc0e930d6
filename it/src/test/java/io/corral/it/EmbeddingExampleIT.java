package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.actors.ContainerError;
import io.corral.actors.ContainerState;
import io.corral.actors.Containerizer;
import io.corral.actors.Containerizer.ContainerSnapshot;
import io.corral.actors.Containerizer.Containers;
import io.corral.actors.ContainerizerSettings;
import io.corral.isolators.ContainerContext;
import io.corral.isolators.Isolator;
import io.corral.it.support.Host;
import io.corral.it.support.Host.Proc;
import io.corral.posix.launch.Stdio;
import io.corral.proto.v1.CommandInfo;
import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.Resource;
import io.corral.proto.v1.TaskStatus;
import io.corral.proto.v1.Value;
import io.corral.proto.v1.agent.Call;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a scheduler embeds Corral: no HTTP, no agent process, just the containerizer as one more
 * actor in the scheduler's own {@code ActorSystem}, driven with typed messages. Read this test
 * top to bottom as the example; the last test shows what a scheduler sees when a launch fails
 * inside the launch helper.
 *
 * <p>Here {@link ActorTestKit} plays the scheduler's {@code ActorSystem}, and {@link TestProbe}s
 * play the scheduler's actors that receive the replies. Every command is answered exactly once
 * on its {@code replyTo}: with its success reply, or with {@code Rejected(ContainerError)}.
 */
@Tag("root")
class EmbeddingExampleIT {
  /** Real containers take real time; the probes wait at most this long for a reply. */
  private static final Duration REPLY = Duration.ofSeconds(30);
  private static final String ISOLATION = "filesystem/posix,posix/cpu,posix/mem,namespaces/pid";

  /** Stands in for the scheduler's own ActorSystem. */
  private static ActorTestKit scheduler;

  @TempDir Path dir;

  /** This test's containerizers: stopped after it, which releases their cgroups root lock. */
  private final List<ActorRef<Containerizer.Command>> containerizers = new ArrayList<>();

  private ActorRef<Containerizer.Command> started(ActorRef<Containerizer.Command> containerizer) {
    containerizers.add(containerizer);
    return containerizer;
  }

  @org.junit.jupiter.api.AfterEach
  void stopContainerizers() {
    containerizers.forEach(scheduler::stop);
  }

  @BeforeAll
  static void startSchedulerSystem() {
    assumeTrue(Host.isRoot(), "needs root: real namespaces");
    scheduler = ActorTestKit.create("scheduler");
  }

  @AfterAll
  static void stopSchedulerSystem() {
    if (scheduler != null) {
      scheduler.shutdownTestKit();
    }
  }

  // ---------------------------------------------------------------- the example

  @Test
  void launchListUsageKillWaitRemove() {
    // 1. Spawn the containerizer with settings for this host. Sandboxes go to
    //    <workDir>/containers/<id>, runtime state to <runtimeDir>/containers/<id>.
    ActorRef<Containerizer.Command> containerizer =
        started(scheduler.spawn(Containerizer.create(hostSettings(List.of())), "containerizer-example"));

    // 2. Launch: the same LaunchContainer message a Mesos client sends over HTTP, here with
    //    resources, and with stdio null, i.e. the sandbox's 'stdout' and 'stderr' files.
    ContainerID web = id("web");
    Call.LaunchContainer request = Call.LaunchContainer.newBuilder()
        .setContainerId(web)
        .setCommand(CommandInfo.newBuilder().setValue("echo started; exec sleep 1000"))
        .addResources(scalar("cpus", 0.1))
        .addResources(scalar("mem", 32))
        .build();
    TestProbe<Containerizer.LaunchReply> launches = scheduler.createTestProbe();
    containerizer.tell(new Containerizer.Launch(request, null, launches.ref()));
    // Launched arrives once the command has been exec'd: the container is RUNNING.
    launches.expectMessage(REPLY, new Containerizer.Launched(web));

    // 3. List: every container the containerizer knows, with its state and status.
    TestProbe<Containers> lists = scheduler.createTestProbe();
    containerizer.tell(new Containerizer.GetContainers(lists.ref()));
    ContainerSnapshot listed = lists.expectMessageClass(Containers.class, REPLY).containers().stream()
        .filter(c -> c.id().equals(web)).findFirst().orElseThrow();
    assertEquals(ContainerState.RUNNING, listed.state());
    int initPid = listed.status().getExecutorPid();
    assertTrue(Host.read(initPid) != null, "the container's init " + initPid + " runs on this host");
    assertFalse(listed.termination().isPresent());

    // 4. Usage: Mesos' ResourceStatistics; limits come from the launch resources.
    TestProbe<Containerizer.UsageReply> usages = scheduler.createTestProbe();
    containerizer.tell(new Containerizer.Usage(web, usages.ref()));
    Containerizer.Statistics usage = usages.expectMessageClass(Containerizer.Statistics.class, REPLY);
    assertTrue(usage.statistics().getTimestamp() > 0);
    assertEquals(32L * 1024 * 1024, usage.statistics().getMemLimitBytes(), usage.toString());

    // 5. Wait: answered when the container has terminated; ask before killing it.
    TestProbe<Containerizer.WaitReply> waits = scheduler.createTestProbe();
    containerizer.tell(new Containerizer.Wait(web, waits.ref()));

    // 6. Kill with SIGKILL (9): the whole container is destroyed.
    TestProbe<Containerizer.KillReply> kills = scheduler.createTestProbe();
    containerizer.tell(new Containerizer.Kill(web, 9, kills.ref()));
    kills.expectMessage(REPLY, new Containerizer.Killed(web));
    Containerizer.Terminated ended = waits.expectMessageClass(Containerizer.Terminated.class, REPLY);
    assertEquals(9, ended.termination().getStatus(), "a raw wait status: killed by signal 9");

    // The command's stdout is in the sandbox until the container is removed.
    Path sandbox = dir.resolve("work").resolve("containers").resolve("web");
    assertEquals("started\n", read(sandbox.resolve("stdout")));

    // 7. Remove: forget the termination and delete the sandbox and runtime directory.
    TestProbe<Containerizer.RemoveReply> removes = scheduler.createTestProbe();
    containerizer.tell(new Containerizer.Remove(web, removes.ref()));
    removes.expectMessage(REPLY, new Containerizer.Removed(web));
    assertFalse(Files.exists(sandbox), "sandbox deleted");

    // Once removed, the container is unknown: a Wait is Rejected with NotFound.
    containerizer.tell(new Containerizer.Wait(web, waits.ref()));
    Containerizer.Rejected gone = waits.expectMessageClass(Containerizer.Rejected.class, REPLY);
    assertInstanceOf(ContainerError.NotFound.class, gone.error());
  }

  @Test
  void exitStatusAndOwnStdio() {
    ActorRef<Containerizer.Command> containerizer =
        started(scheduler.spawn(Containerizer.create(hostSettings(List.of())), "containerizer-stdio"));

    // A scheduler may send the command's output wherever it likes instead of the sandbox.
    Stdio stdio = new Stdio(null, dir.resolve("job.out"), dir.resolve("job.err"));
    ContainerID job = id("job");
    TestProbe<Containerizer.LaunchReply> launches = scheduler.createTestProbe();
    containerizer.tell(new Containerizer.Launch(shell(job, "echo out; echo err >&2; exit 3"), stdio, launches.ref()));
    launches.expectMessage(REPLY, new Containerizer.Launched(job));

    TestProbe<Containerizer.WaitReply> waits = scheduler.createTestProbe();
    containerizer.tell(new Containerizer.Wait(job, waits.ref()));
    Containerizer.Terminated ended = waits.expectMessageClass(Containerizer.Terminated.class, REPLY);
    assertEquals(3 << 8, ended.termination().getStatus(), "exit code 3 as a wait status");
    assertEquals("out\n", read(dir.resolve("job.out")));
    assertEquals("err\n", read(dir.resolve("job.err")));

    // Launching the same id again while it is known is not an error, and changes nothing.
    containerizer.tell(new Containerizer.Launch(shell(job, "exit 0"), stdio, launches.ref()));
    launches.expectMessage(REPLY, new Containerizer.AlreadyLaunched(job));

    TestProbe<Containerizer.RemoveReply> removes = scheduler.createTestProbe();
    containerizer.tell(new Containerizer.Remove(job, removes.ref()));
    removes.expectMessage(REPLY, new Containerizer.Removed(job));
  }

  // ---------------------------------------------------------------- a fault, as a scheduler sees it

  /**
   * A test isolator that SIGKILLs the container's init while it waits for the go signal, i.e.
   * the launch helper dies before it could exec the command.
   */
  private static final class KillInitIsolator implements Isolator {
    final AtomicReference<Proc> killed = new AtomicReference<>();

    @Override
    public String name() {
      return "test/kill-init";
    }

    @Override
    public void isolate(ContainerContext container, int pid) {
      killed.set(Host.read(pid));
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  @Test
  void helperThatDiesBeforeExecFailsTheLaunchAndLeaksNothing() {
    KillInitIsolator killer = new KillInitIsolator();
    ActorRef<Containerizer.Command> containerizer =
        started(scheduler.spawn(Containerizer.create(hostSettings(List.of(killer))), "containerizer-fault"));
    Host.Snapshot before = Host.Snapshot.take();

    ContainerID doomed = id("doomed");
    TestProbe<Containerizer.LaunchReply> launches = scheduler.createTestProbe();
    containerizer.tell(new Containerizer.Launch(shell(doomed, "echo never"), null, launches.ref()));

    // The launch is rejected, and the message names the helper's step that failed.
    Containerizer.Rejected rejected = launches.expectMessageClass(Containerizer.Rejected.class, REPLY);
    assertInstanceOf(ContainerError.LaunchFailed.class, rejected.error(), rejected.toString());
    // The helper's step 'init': corral-init went away before it could exec the command.
    String message = rejected.error().message();
    assertTrue(message.contains("corral-init") && message.contains("before exec"), "names the step: " + message);
    assertTrue(killer.killed.get() != null, "the test isolator ran");

    // Wait gives a termination with REASON_CONTAINER_LAUNCH_FAILED, as Mesos does.
    TestProbe<Containerizer.WaitReply> waits = scheduler.createTestProbe();
    containerizer.tell(new Containerizer.Wait(doomed, waits.ref()));
    Containerizer.Terminated ended = waits.expectMessageClass(Containerizer.Terminated.class, REPLY);
    assertEquals(TaskStatus.Reason.REASON_CONTAINER_LAUNCH_FAILED, ended.termination().getReason());

    TestProbe<Containerizer.RemoveReply> removes = scheduler.createTestProbe();
    containerizer.tell(new Containerizer.Remove(doomed, removes.ref()));
    removes.expectMessage(REPLY, new Containerizer.Removed(doomed));

    // Nothing leaks: no process of the container, no mount, no directory.
    Host.Snapshot after = Host.Snapshot.take();
    List<Proc> leaked = before.newProcesses(after).stream()
        .filter(p -> isBelowThisJvm(after, p) && p.alive())
        .toList();
    assertEquals(List.of(), leaked, "processes left below this JVM");
    assertFalse(killer.killed.get().alive(), "the killed init was reaped: " + killer.killed.get());
    assertEquals(Set.of(), Host.containerMounts(before.newMounts(after), dir), "new mounts");
    assertEquals(Set.of(), Host.entries(dir.resolve("work").resolve("containers")), "sandboxes");
    assertEquals(Set.of(), Host.entries(dir.resolve("runtime").resolve("containers")), "runtime dirs");
  }

  // ---------------------------------------------------------------- helpers

  /**
   * The settings a scheduler builds for this host: the real kernel, the launch helper installed
   * under {@code <runtimeDir>/bin}, and the isolators of {@link #ISOLATION} in their fixed order;
   * {@code extra} isolators (the fault-injecting one below) run after them.
   */
  private ContainerizerSettings hostSettings(List<Isolator> extra) {
    ContainerizerSettings host =
        ContainerizerSettings.forHost(dir.resolve("work"), dir.resolve("runtime"), ISOLATION);
    if (extra.isEmpty()) {
      return host;
    }
    List<Isolator> isolators = new ArrayList<>(host.isolators());
    isolators.addAll(extra);
    return new ContainerizerSettings(host.workDir(), host.runtimeDir(), isolators, host.launcher(),
        host.linux(), host.launchTimeout());
  }

  private static boolean isBelowThisJvm(Host.Snapshot snapshot, Proc p) {
    return Host.belowThisJvm(snapshot.processes(), p);
  }

  private static ContainerID id(String value) {
    return ContainerID.newBuilder().setValue(value).build();
  }

  private static Call.LaunchContainer shell(ContainerID id, String command) {
    return Call.LaunchContainer.newBuilder()
        .setContainerId(id)
        .setCommand(CommandInfo.newBuilder().setValue(command))
        .build();
  }

  private static Resource scalar(String name, double value) {
    return Resource.newBuilder().setName(name).setType(Value.Type.SCALAR)
        .setScalar(Value.Scalar.newBuilder().setValue(value)).build();
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new AssertionError("Failed to read '" + file + "'", e);
    }
  }
}
