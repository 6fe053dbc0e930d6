package io.corral.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.actors.LauncherActor.Reply;
import io.corral.posix.Errno;
import io.corral.posix.launch.LaunchException;
import io.corral.posix.launch.Stdio;
import io.corral.proto.v1.LaunchPlan;
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
    assertEquals(new LauncherActor.ForkFailed("spawn 'corral-init': ENOENT"), parent.receiveMessage(TIMEOUT));
  }

  @Test
  void afterForkRunsOnTheForkedPidsAndItsFailureComesWithForked() {
    List<String> seen = new CopyOnWriteArrayList<>();
    actor.tell(new LauncherActor.Fork(PLAN, Stdio.inherit(), (init, helper) -> {
      seen.add(init + "/" + helper);
      throw new java.io.IOException("No space left on device");
    }));
    LauncherActor.Forked forked = assertInstanceOf(LauncherActor.Forked.class, parent.receiveMessage(TIMEOUT));
    assertEquals(List.of(forked.initPid() + "/" + forked.helperPid()), seen);
    assertEquals(Optional.of("IOException: No space left on device"), forked.afterForkError());
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
    assertEquals(new LauncherActor.ReleaseFailed("exec '/no/such': ENOENT (No such file or directory)"),
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
    assertTrue(replies.contains(new LauncherActor.ReleaseFailed("init: the helper exited before exec")), replies.toString());
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
    assertEquals(new LauncherActor.ReleaseFailed("the container has not been forked"), parent.receiveMessage(TIMEOUT));
    actor.tell(LauncherActor.Kill.INSTANCE);
    assertEquals(new LauncherActor.KillSent(Optional.of("the container has not been forked")),
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
