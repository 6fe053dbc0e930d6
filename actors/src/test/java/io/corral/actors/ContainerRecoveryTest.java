package io.corral.actors;

import static io.corral.actors.Fixture.TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.actors.Containerizer.ContainerSnapshot;
import io.corral.actors.launch.Checkpoints;
import io.corral.isolators.Phase;
import io.corral.proto.v1.ContainerTermination;
import io.corral.proto.v1.TaskState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A containerizer that recovers what an earlier one left on disk (scripted launcher, fake
 * isolators): running containers are re-adopted and keep working, terminated ones keep their
 * termination, unreadable ones are destroyed and reported, {@code cleanup} destroys all, and
 * commands sent while recovering wait for it. The earlier containerizer is stopped first, as
 * an agent that exits would be, and must leave its containers running.
 */
@ExtendWith(LogCapturingExtension.class)
class ContainerRecoveryTest {
  static final ActorTestKit KIT = ActorTestKit.create("recovery", Fixture.config());

  @TempDir Path temp;

  /** The containerizers of a test, settled and stopped before its temporary directory goes. */
  private final List<Fixture> fixtures = new java.util.ArrayList<>();

  /**
   * Every container still being destroyed is waited for (its cleanups and termination
   * checkpoint write under {@code temp}), then the containerizer is stopped.
   */
  @org.junit.jupiter.api.AfterEach
  void settle() {
    for (Fixture f : fixtures) {
      for (Containerizer.ContainerSnapshot c : f.list().containers()) {
        if (c.state() == ContainerState.DESTROYING) {
          f.terminated(c.id().getValue());
        }
      }
      KIT.stop(f.containerizer, java.time.Duration.ofSeconds(10));
    }
  }

  private Fixture track(Fixture f) {
    fixtures.add(f);
    return f;
  }

  @AfterAll
  static void shutdown() {
    KIT.shutdownTestKit();
  }

  private Fixture first() throws Exception {
    CompletableFuture<Integer> recovered = new CompletableFuture<>();
    Fixture f = new Fixture(KIT, temp, java.time.Duration.ofSeconds(30), Containerizer.RecoverMode.RECONNECT,
        recovered, new ScriptedLauncher(new java.util.concurrent.CopyOnWriteArrayList<>()), "a", "b");
    assertEquals(0, recovered.get(10, TimeUnit.SECONDS), "nothing to recover in fresh directories");
    f.launched("run");
    f.launched("done");
    f.launcher.only("done").exited.complete(256);
    assertEquals(256, f.terminated("done").getStatus());
    Path bad = Files.createDirectories(f.paths.runtime("bad"));
    Files.write(bad.resolve("config"), new byte[] {(byte) 0xff, 0x01});
    Files.createDirectories(f.paths.sandbox("bad"));
    Files.createDirectories(f.paths.sandbox("ghost"));
    Files.writeString(f.paths.runtime("run").resolve("config" + Checkpoints.TEMP_SUFFIX), "half");
    KIT.stop(f.containerizer, java.time.Duration.ofSeconds(10));
    assertFalse(f.events.contains("kill run"), "a detached containerizer leaves its containers: " + f.events);
    assertFalse(f.launcher.only("run").exited.isDone());
    return f;
  }

  private Fixture restart(Fixture earlier, Containerizer.RecoverMode mode, CompletableFuture<Integer> recovered) {
    return track(new Fixture(KIT, temp, java.time.Duration.ofSeconds(30), mode, recovered, earlier.launcher, "a", "b"));
  }

  @Test
  void reconnectReadoptsRunningKeepsTerminatedAndDestroysTheUnreadable() throws Exception {
    Fixture earlier = first();
    CompletableFuture<Integer> recovered = new CompletableFuture<>();
    Fixture f = restart(earlier, Containerizer.RecoverMode.RECONNECT, recovered);
    // Sent at once, answered only after recovery: it lists what was recovered.
    Map<String, ContainerSnapshot> listed = f.list().containers().stream()
        .collect(Collectors.toMap(s -> s.id().getValue(), s -> s));
    assertEquals(3, recovered.get(10, TimeUnit.SECONDS));
    assertEquals(ContainerState.RUNNING, listed.get("run").state());
    assertEquals(earlier.launcher.only("run").initPid(), listed.get("run").status().getExecutorPid());
    assertEquals(ContainerState.TERMINATED, listed.get("done").state());
    assertEquals(256, listed.get("done").termination().orElseThrow().getStatus());
    assertTrue(List.of(ContainerState.DESTROYING, ContainerState.TERMINATED).contains(listed.get("bad").state()));

    ContainerTermination bad = f.terminated("bad");
    assertEquals(TaskState.TASK_FAILED, bad.getState());
    assertTrue(bad.getMessage().startsWith("Failed to recover container 'bad': Failed to read checkpoint 'config': "),
        bad.getMessage());
    assertEquals(List.of("recover a", "recover b", "cleanup b", "cleanup a"), f.eventsOf("bad"));
    assertFalse(Files.exists(f.paths.sandbox("ghost")), "orphan sandbox removed");
    assertFalse(Files.exists(f.paths.runtime("run").resolve("config" + Checkpoints.TEMP_SUFFIX)), "half-written checkpoint removed");
    assertTrue(f.eventsOf("run").containsAll(List.of("recover", "recover a", "recover b", "watch a", "watch b")),
        f.eventsOf("run").toString());

    assertInstanceOf(Containerizer.Statistics.class, f.usage("run"));
    TestProbe<Containerizer.WaitReply> waiting = f.waitFor("run");
    earlier.launcher.only("run").exited.complete(768);
    Containerizer.Terminated ended = assertInstanceOf(Containerizer.Terminated.class, waiting.receiveMessage(TIMEOUT));
    assertEquals(768, ended.termination().getStatus());
    List<String> run = f.eventsOf("run");
    assertEquals(List.of("cleanup b", "cleanup a"), run.subList(run.size() - 2, run.size()));

    for (String id : List.of("run", "done", "bad")) {
      assertInstanceOf(Containerizer.Removed.class, f.remove(id));
    }
    assertEquals(List.of(), f.list().containers());
    assertFalse(Files.exists(f.paths.runtime("run")));
    assertFalse(Files.exists(f.paths.sandbox("bad")));
  }

  @Test
  void aRecoveredContainerThatExitedMeanwhileReportsTheRecordedStatus() throws Exception {
    Fixture earlier = first();
    earlier.launcher.only("run").exited.complete(9); // its init is gone: recover finds nothing
    Files.writeString(earlier.paths.status("run"), "1280");
    Fixture f = restart(earlier, Containerizer.RecoverMode.RECONNECT, new CompletableFuture<>());
    assertEquals(ContainerTermination.newBuilder().setStatus(1280).build(), f.terminated("run"));
    assertEquals(List.of("recover a", "recover b", "cleanup b", "cleanup a"),
        f.eventsOf("run").stream().filter(e -> !e.equals("recover") && !e.startsWith("prepare")
            && !e.startsWith("isolate") && !e.startsWith("watch") && !e.equals("fork") && !e.equals("release")).toList());
  }

  @Test
  void cleanupDestroysARunningContainerAndReportsWhy() throws Exception {
    Fixture earlier = first();
    Fixture f = restart(earlier, Containerizer.RecoverMode.CLEANUP, new CompletableFuture<>());
    ContainerTermination t = f.terminated("run");
    assertEquals(TaskState.TASK_FAILED, t.getState());
    assertEquals("Container destroyed on recovery: the agent runs with --recover=cleanup", t.getMessage());
    assertEquals(9, t.getStatus());
    assertTrue(f.events.contains("kill run"), f.events.toString());
  }

  @Test
  void anIsolatorWhoseRecoverFailsCostsTheReadoptedContainers() throws Exception {
    Fixture earlier = first();
    io.corral.testkit.Faults faults = new io.corral.testkit.Faults();
    faults.inject("b", Phase.RECOVER, io.corral.testkit.Fault.FAIL);
    CompletableFuture<Integer> recovered = new CompletableFuture<>();
    Fixture f = track(new Fixture(KIT, temp, java.time.Duration.ofSeconds(30), java.time.Duration.ofSeconds(30), faults,
        Containerizer.RecoverMode.RECONNECT, recovered, earlier.launcher, null, "a", "b"));
    assertEquals(3, recovered.get(10, TimeUnit.SECONDS));
    ContainerTermination run = f.terminated("run");
    assertEquals(TaskState.TASK_FAILED, run.getState());
    assertEquals("Failed to recover container 'run': Failed to recover isolator 'b': injected failure", run.getMessage());
    assertTrue(f.events.contains("kill run"), f.events.toString());
    assertEquals(256, f.terminated("done").getStatus(), "a terminated container is not touched");
  }

  /** A recover that hangs is abandoned after the phase timeout: the agent finishes recovering. */
  @Test
  void anIsolatorWhoseRecoverHangsTimesOutAndTheAgentServes() throws Exception {
    Fixture earlier = first();
    io.corral.testkit.Faults faults = new io.corral.testkit.Faults();
    faults.inject("a", Phase.RECOVER, io.corral.testkit.Fault.HANG);
    CompletableFuture<Integer> recovered = new CompletableFuture<>();
    try {
      Fixture f = track(new Fixture(KIT, temp, java.time.Duration.ofSeconds(30), java.time.Duration.ofMillis(500), faults,
          Containerizer.RecoverMode.RECONNECT, recovered, earlier.launcher, null, "a", "b"));
      assertEquals(3, recovered.get(10, TimeUnit.SECONDS), "recovery ends despite the hung isolator");
      assertEquals(1, faults.hanging());
      ContainerTermination run = f.terminated("run");
      assertEquals("Failed to recover container 'run': Failed to recover isolator 'a': timed out after 500ms",
          run.getMessage());
      assertTrue(f.events.contains("kill run"), f.events.toString());
      assertInstanceOf(Containerizer.Launched.class, f.launch(Fixture.request("new", "true")), "it serves");
    } finally {
      faults.releaseAll();
    }
  }
}
