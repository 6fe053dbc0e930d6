package io.corral.actors.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.actors.ContainerError;
import io.corral.actors.Fixture;
import io.corral.actors.ScriptedLauncher;
import io.corral.actors.launch.LauncherActor.Reply;
import io.corral.posix.Errno;
import io.corral.posix.launch.LaunchException;
import io.corral.posix.launch.Stdio;
import io.corral.proto.v1.ContainerConfig;
import io.corral.proto.v1.ContainerPids;
import io.corral.proto.v1.LaunchPlan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** One test per launcher command; the exit is reported once; a stopped actor kills its container. */
@ExtendWith(LogCapturingExtension.class)
class LauncherActorTest {
  static final ActorTestKit KIT = ActorTestKit.create("launcher", Fixture.config());
  static final Duration TIMEOUT = Fixture.TIMEOUT;
  static final LaunchPlan PLAN = LaunchPlan.newBuilder().setVersion(1).addArgv("true").build();

  final List<String> events = new CopyOnWriteArrayList<>();
  final ScriptedLauncher launcher = new ScriptedLauncher(events);
  final TestProbe<Reply> parent = KIT.createTestProbe();
  final ActorRef<LauncherActor.Command> actor = KIT.spawn(LauncherActor.create("c", launcher, parent.getRef()));

  @AfterAll
  static void shutdown() {
    KIT.shutdownTestKit();
  }

  private ScriptedLauncher.Scripted fork() {
    actor.tell(new LauncherActor.Fork(PLAN, Stdio.inherit()));
    LauncherActor.Forked forked = assertInstanceOf(LauncherActor.Forked.class, parent.receiveMessage(TIMEOUT));
    ScriptedLauncher.Scripted container = launcher.only("c");
    assertEquals(container.initPid(), forked.initPid());
    assertEquals(container.helperPid(), forked.helperPid());
    assertEquals(PLAN, launcher.plans.get("c"));
    return container;
  }

  @Test
  void forkFailureIsReported() {
    launcher.forkFailure = new LaunchException("spawn", Errno.ENOENT, "spawn 'corral-init': ENOENT");
    actor.tell(new LauncherActor.Fork(PLAN, Stdio.inherit()));
    assertEquals(new LauncherActor.ForkFailed(new ContainerError.LaunchFailed(Optional.of("spawn"),
        Optional.of(Errno.ENOENT), "spawn 'corral-init': ENOENT")), parent.receiveMessage(TIMEOUT));
  }

  @Test
  void theForkCheckpointsTheConfigBeforeAndThePidsAfter(@TempDir Path dir) throws Exception {
    ContainerConfig config = ContainerConfig.newBuilder().setLaunch(Fixture.request("c", "true")).setPlan(PLAN).build();
    actor.tell(new LauncherActor.Fork(PLAN, Stdio.inherit(), Optional.of(new LauncherActor.ForkCheckpoints(
        dir.resolve("config"), config, dir.resolve("pids"), null))));
    LauncherActor.Forked forked = assertInstanceOf(LauncherActor.Forked.class, parent.receiveMessage(TIMEOUT));
    assertEquals(config, ContainerConfig.parseFrom(Files.readAllBytes(dir.resolve("config"))));
    assertEquals(Checkpoints.pids(forked.initPid(), forked.helperPid(), 0),
        ContainerPids.parseFrom(Files.readAllBytes(dir.resolve("pids"))));
  }

  @Test
  void aFailedConfigCheckpointForksNothing(@TempDir Path dir) {
    Path config = dir.resolve("missing/config");
    actor.tell(new LauncherActor.Fork(PLAN, Stdio.inherit(), Optional.of(new LauncherActor.ForkCheckpoints(
        config, ContainerConfig.getDefaultInstance(), dir.resolve("pids"), null))));
    LauncherActor.ForkFailed failed = assertInstanceOf(LauncherActor.ForkFailed.class, parent.receiveMessage(TIMEOUT));
    assertTrue(failed.error().message().startsWith("Failed to checkpoint '" + config + "': NoSuchFileException"),
        failed.error().message());
    assertEquals(List.of(), events);
  }

  @Test
  void aFailedPidsCheckpointComesWithThePidsOfTheForkedInit(@TempDir Path dir) {
    Path pids = dir.resolve("missing/pids");
    actor.tell(new LauncherActor.Fork(PLAN, Stdio.inherit(), Optional.of(new LauncherActor.ForkCheckpoints(
        dir.resolve("config"), ContainerConfig.getDefaultInstance(), pids, null))));
    LauncherActor.PidsNotCheckpointed forked = assertInstanceOf(LauncherActor.PidsNotCheckpointed.class,
        parent.receiveMessage(TIMEOUT));
    assertEquals(launcher.only("c").initPid(), forked.initPid());
    assertTrue(forked.error().message().startsWith("Failed to checkpoint '" + pids + "': NoSuchFileException"),
        forked.error().message());
    // The container is known to the launcher all the same: it can be aborted.
    actor.tell(LauncherActor.Abort.INSTANCE);
    assertEquals(new LauncherActor.ProcessExited(Optional.of(256)), parent.receiveMessage(TIMEOUT));
    assertEquals(List.of("fork c", "abort c"), events);
  }

  @Test
  void releaseThenExitIsReportedOnce() {
    ScriptedLauncher.Scripted container = fork();
    actor.tell(LauncherActor.Release.INSTANCE);
    assertEquals(LauncherActor.Released.INSTANCE, parent.receiveMessage(TIMEOUT));
    container.exited.complete(768);
    assertEquals(new LauncherActor.ProcessExited(Optional.of(768)), parent.receiveMessage(TIMEOUT));
    actor.tell(LauncherActor.Kill.INSTANCE);
    assertEquals(new LauncherActor.KillSent(Optional.empty()), parent.receiveMessage(TIMEOUT));
    parent.expectNoMessage(Duration.ofMillis(200));
  }

  @Test
  void releaseFailureNamesTheStep() {
    fork();
    launcher.releaseFailure = new LaunchException("exec", Errno.ENOENT, "exec '/no/such': ENOENT (No such file or directory)");
    actor.tell(LauncherActor.Release.INSTANCE);
    assertEquals(new LauncherActor.ReleaseFailed(new ContainerError.LaunchFailed(Optional.of("exec"),
        Optional.of(Errno.ENOENT), "exec '/no/such': ENOENT (No such file or directory)")),
        parent.receiveMessage(TIMEOUT));
  }

  @Test
  void killInterruptsAReleaseThatHangs() {
    fork();
    launcher.releaseHangs = true;
    actor.tell(LauncherActor.Release.INSTANCE);
    parent.expectNoMessage(Duration.ofMillis(200));
    actor.tell(LauncherActor.Kill.INSTANCE);
    List<Reply> replies = parent.receiveSeveralMessages(3, TIMEOUT);
    assertTrue(replies.contains(new LauncherActor.KillSent(Optional.empty())), replies.toString());
    assertTrue(replies.contains(new LauncherActor.ProcessExited(Optional.of(9))), replies.toString());
    assertTrue(replies.contains(new LauncherActor.ReleaseFailed(new ContainerError.LaunchFailed(Optional.of("init"),
        Optional.empty(), "init: the helper exited before exec"))), replies.toString());
  }

  @Test
  void signalAndAbortReachTheContainer() {
    fork();
    actor.tell(new LauncherActor.Signal(15));
    assertEquals(new LauncherActor.Signalled(15, Optional.empty()), parent.receiveMessage(TIMEOUT));
    actor.tell(LauncherActor.Abort.INSTANCE);
    assertEquals(new LauncherActor.ProcessExited(Optional.of(256)), parent.receiveMessage(TIMEOUT));
    assertEquals(List.of("fork c", "signal 15 c", "abort c"), events);
  }

  @Test
  void commandsBeforeForkAreAnsweredWithAnError() {
    actor.tell(LauncherActor.Release.INSTANCE);
    assertEquals(new LauncherActor.ReleaseFailed(new ContainerError.LaunchFailed("the container has not been forked")),
        parent.receiveMessage(TIMEOUT));
    actor.tell(LauncherActor.Kill.INSTANCE);
    assertEquals(new LauncherActor.KillSent(Optional.of(new ContainerError.Internal("the container has not been forked"))),
        parent.receiveMessage(TIMEOUT));
  }

  @Test
  void stoppingTheActorKillsAContainerThatStillRuns() {
    ScriptedLauncher.Scripted container = fork();
    KIT.stop(actor);
    assertTrue(container.exited.isDone());
    assertEquals(List.of("fork c", "kill c"), events);
  }
}
