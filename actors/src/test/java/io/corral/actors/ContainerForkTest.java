package io.corral.actors;

import static io.corral.actors.Fixture.TIMEOUT;
import static io.corral.actors.Fixture.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.posix.launch.LaunchException;
import io.corral.proto.v1.TaskStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Launch steps that touch files or the fork: a checkpoint, the sandbox or the fork itself fails. */
@ExtendWith(LogCapturingExtension.class)
class ContainerForkTest {
  static final ActorTestKit KIT = ActorTestKit.create("fork", Fixture.config());

  @TempDir Path temp;

  @AfterAll
  static void shutdown() {
    KIT.shutdownTestKit();
  }

  @Test
  void forkFailureIsALaunchFailure() {
    Fixture f = new Fixture(KIT, temp, "a");
    f.launcher.forkFailure = new LaunchException("plan", null, "plan: unknown field 99");
    ContainerError error = assertInstanceOf(Containerizer.Rejected.class, f.launch(request("ff", "true"))).error();
    assertEquals("Failed to launch container: plan: unknown field 99", error.message());
    assertEquals(List.of("prepare a", "fork", "cleanup a"), f.eventsOf("ff"));
  }

  @Test
  void aPidsCheckpointThatFailsAbortsTheInitBeforeIsolate() throws Exception {
    Fixture f = new Fixture(KIT, temp, "a");
    // A non-empty directory where the pids checkpoint goes: its rename fails.
    Files.createDirectories(f.paths.pids("np").resolve("in-the-way"));
    ContainerError error = assertInstanceOf(Containerizer.Rejected.class, f.launch(request("np", "true"))).error();
    ContainerError.Internal internal = assertInstanceOf(ContainerError.Internal.class, error);
    assertTrue(internal.message().startsWith("Failed to checkpoint '" + f.paths.pids("np") + "': "),
        internal.message());
    assertEquals(List.of("prepare a", "fork", "abort", "cleanup a"), f.eventsOf("np"));
    assertEquals(TaskStatus.Reason.REASON_CONTAINER_LAUNCH_FAILED, f.terminated("np").getReason());
  }

  @Test
  void aConfigCheckpointThatFailsBeforeTheForkForksNothing() throws Exception {
    Fixture f = new Fixture(KIT, temp, "a");
    java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
    f.isolator("a").prepareGate = gate;
    TestProbe<Containerizer.LaunchReply> launch = KIT.createTestProbe();
    f.containerizer.tell(new Containerizer.Launch(request("nc", "true"), null, launch.getRef()));
    assertTrue(f.isolator("a").prepareEntered.await(10, java.util.concurrent.TimeUnit.SECONDS));
    // Written once before prepare; the rewrite with the plan (on the fork's thread) meets a
    // non-empty directory where the checkpoint goes, and its rename fails.
    Files.delete(f.paths.config("nc"));
    Files.createDirectories(f.paths.config("nc").resolve("in-the-way"));
    gate.countDown();

    ContainerError error = assertInstanceOf(Containerizer.Rejected.class, launch.receiveMessage(TIMEOUT)).error();
    ContainerError.Internal internal = assertInstanceOf(ContainerError.Internal.class, error);
    assertTrue(internal.message().startsWith("Failed to checkpoint '" + f.paths.config("nc") + "': "),
        internal.message());
    assertEquals(List.of("prepare a", "cleanup a"), f.eventsOf("nc"));
    assertTrue(f.launcher.forked.isEmpty());
    assertEquals(TaskStatus.Reason.REASON_CONTAINER_LAUNCH_FAILED, f.terminated("nc").getReason());
  }

  @Test
  void sandboxThatCannotBeCreatedIsAnInternalError() throws Exception {
    Fixture f = new Fixture(KIT, temp, "a");
    Files.createDirectories(f.workDir);
    Files.writeString(f.workDir.resolve("containers"), "not a directory");
    ContainerError error = assertInstanceOf(Containerizer.Rejected.class, f.launch(request("nodir", "true"))).error();
    ContainerError.Internal internal = assertInstanceOf(ContainerError.Internal.class, error);
    assertTrue(internal.message().startsWith("Failed to create sandbox '" + f.paths.sandbox("nodir") + "'"),
        internal.message());
    assertTrue(f.eventsOf("nodir").isEmpty(), f.events.toString());
    assertEquals(TaskStatus.Reason.REASON_CONTAINER_LAUNCH_FAILED, f.terminated("nodir").getReason());
  }
}
