package io.corral.actors.container;

import static io.corral.actors.Fixture.TIMEOUT;
import static io.corral.actors.Fixture.id;
import static io.corral.actors.Fixture.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.actors.ContainerError;
import io.corral.actors.ContainerState;
import io.corral.actors.Containerizer;
import io.corral.actors.Fixture;
import io.corral.isolators.Phase;
import io.corral.proto.v1.ContainerTermination;
import io.corral.proto.v1.TaskStatus;
import io.corral.testkit.Fault;
import io.corral.testkit.Faults;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults injected with the testkit into fake isolators: a phase that hangs is timed out after
 * {@code --isolator_phase_timeout} (on manual time) and the container destroyed with a message
 * naming the isolator and phase; destroy works while a phase hangs; every phase's failure
 * destroys the container; a failed cleanup is retried with backoff and reported.
 */
class PhaseFaultsTest {
  static final ActorTestKit MANUAL = ActorTestKit.create("phase-faults-manual",
      ManualTime.config().withFallback(Fixture.config()));
  static final ManualTime TIME = ManualTime.get(MANUAL.system());
  static final ActorTestKit REAL = ActorTestKit.create("phase-faults", Fixture.config());
  static final Duration PHASE = Duration.ofSeconds(5);

  @TempDir Path temp;
  final Faults faults = new Faults();

  @AfterEach
  void release() {
    faults.releaseAll();
  }

  @AfterAll
  static void shutdown() {
    MANUAL.shutdownTestKit();
    REAL.shutdownTestKit();
  }

  private Fixture manual(String... isolators) {
    return new Fixture(MANUAL, temp, Duration.ofMinutes(10), PHASE, faults, isolators);
  }

  private Fixture real(Duration phase, String... isolators) {
    return new Fixture(REAL, temp, Duration.ofSeconds(30), phase, faults, isolators);
  }

  private void awaitHangs(int count) throws InterruptedException {
    assertTrue(faults.awaitHangs(count, TIMEOUT), "expected " + count + " hung calls");
  }

  private static ContainerState state(Fixture f, String id) {
    return f.list().containers().stream().filter(c -> c.id().equals(id(id))).findFirst().orElseThrow().state();
  }

  @Test
  void aHungPrepareIsTimedOutAndCleanedUpWhileStillHungAndTheNeighbourRuns() throws Exception {
    Fixture f = manual("a", "b");
    f.launched("n");
    faults.inject("b", Phase.PREPARE, Fault.HANG).forContainer("h");
    TestProbe<Containerizer.LaunchReply> launch = MANUAL.createTestProbe();
    f.containerizer.tell(new Containerizer.Launch(request("h", "true"), null, launch.getRef()));
    awaitHangs(1);

    TIME.expectNoMessageFor(PHASE.minusMillis(1), launch);
    TIME.timePasses(Duration.ofMillis(1));
    ContainerError error = assertInstanceOf(Containerizer.Rejected.class,
        launch.expectMessageClass(Containerizer.LaunchReply.class, TIMEOUT)).error();
    assertEquals(new ContainerError.IsolatorFailed("b", Phase.PREPARE,
        new ContainerError.IsolatorFailed.Cause.TimedOut(Duration.ofSeconds(5))), error);
    assertEquals("Failed to prepare with isolator 'b': timed out after 5secs", error.message());

    ContainerTermination termination = f.terminated("h");
    assertEquals("Failed to launch container: Failed to prepare with isolator 'b': timed out after 5secs",
        termination.getMessage());
    assertEquals(TaskStatus.Reason.REASON_CONTAINER_LAUNCH_FAILED, termination.getReason());
    // b's cleanup ran beside its hung prepare, then a's, in reverse order.
    assertEquals(List.of("prepare a", "cleanup b", "cleanup a"), f.eventsOf("h"));
    assertEquals(1, faults.hanging(), "the prepare is still hung");
    assertEquals(ContainerState.RUNNING, state(f, "n"));
    assertInstanceOf(Containerizer.Statistics.class, f.usage("n"));

    // Released late, the abandoned prepare's answer is dropped: nothing changes.
    faults.releaseAll();
    assertEquals(ContainerState.TERMINATED, state(f, "h"));
    assertEquals(ContainerState.RUNNING, state(f, "n"));
    assertEquals(new Containerizer.Removed(id("h")), f.remove("h"));
  }

  @Test
  void killWhilePreparingHangsDestroysOnceThePhaseTimesOut() throws Exception {
    Fixture f = manual("a");
    faults.inject("a", Phase.PREPARE, Fault.HANG).forContainer("k");
    TestProbe<Containerizer.LaunchReply> launch = MANUAL.createTestProbe();
    f.containerizer.tell(new Containerizer.Launch(request("k", "true"), null, launch.getRef()));
    awaitHangs(1);
    TestProbe<Containerizer.WaitReply> wait = f.waitFor("k");

    assertEquals(new Containerizer.Killed(id("k")), f.kill("k", ContainerActor.SIGKILL));
    // The cleanup of 'a' must not overtake its prepare, so it waits for the phase timeout.
    TIME.expectNoMessageFor(PHASE.minusMillis(1), wait);
    TIME.timePasses(Duration.ofMillis(1));
    Containerizer.Terminated ended = assertInstanceOf(Containerizer.Terminated.class,
        wait.expectMessageClass(Containerizer.WaitReply.class, TIMEOUT));
    assertEquals("Failed to launch container: killed while PREPARING", ended.termination().getMessage());
    assertInstanceOf(Containerizer.Rejected.class, launch.expectMessageClass(Containerizer.LaunchReply.class, TIMEOUT));
    assertEquals(List.of("cleanup a"), f.eventsOf("k"));
  }

  @Test
  void killWhileIsolateHangsAbortsTheInitAndCleansUpEveryIsolator() throws Exception {
    Fixture f = manual("a", "b");
    faults.inject("b", Phase.ISOLATE, Fault.HANG).forContainer("i");
    TestProbe<Containerizer.LaunchReply> launch = MANUAL.createTestProbe();
    f.containerizer.tell(new Containerizer.Launch(request("i", "true"), null, launch.getRef()));
    awaitHangs(1);
    TestProbe<Containerizer.WaitReply> wait = f.waitFor("i");

    assertEquals(new Containerizer.Killed(id("i")), f.kill("i", ContainerActor.SIGKILL));
    TIME.timePasses(PHASE);
    Containerizer.Terminated ended = assertInstanceOf(Containerizer.Terminated.class,
        wait.expectMessageClass(Containerizer.WaitReply.class, TIMEOUT));
    assertEquals("Failed to launch container: killed while ISOLATING", ended.termination().getMessage());
    List<String> events = f.eventsOf("i");
    assertTrue(events.contains("abort"), events.toString());
    assertEquals(List.of("cleanup b", "cleanup a"), events.stream().filter(e -> e.startsWith("cleanup")).toList());
  }

  @Test
  void aHungWatchOrUsageOfARunningContainerDestroysIt() throws Exception {
    Fixture f = manual("a");
    f.launched("n");
    faults.inject("a", Phase.USAGE, Fault.HANG).forContainer("u");
    f.launched("u");
    TestProbe<Containerizer.UsageReply> usage = MANUAL.createTestProbe();
    f.containerizer.tell(new Containerizer.Usage(id("u"), usage.getRef()));
    awaitHangs(1);
    TIME.timePasses(PHASE);
    ContainerTermination termination = f.terminated("u");
    assertEquals("Failed to get usage with isolator 'a': timed out after 5secs", termination.getMessage());
    assertEquals(ContainerState.RUNNING, state(f, "n"));

    faults.inject("a", Phase.WATCH, Fault.HANG).forContainer("w");
    TestProbe<Containerizer.LaunchReply> launch = MANUAL.createTestProbe();
    f.containerizer.tell(new Containerizer.Launch(request("w", "true"), null, launch.getRef()));
    awaitHangs(2);
    TIME.timePasses(PHASE);
    assertEquals("Failed to launch container: Failed to watch with isolator 'a': timed out after 5secs",
        f.terminated("w").getMessage());
    assertEquals(ContainerState.RUNNING, state(f, "n"));
  }

  @Test
  void everyPhaseThatFailsOrThrowsDestroysTheContainerWithItsMessage() {
    Fixture f = real(Duration.ofSeconds(30), "a");
    f.launched("n");
    record Case(Phase phase, Fault fault, String message) {}
    List<Case> cases = List.of(
        new Case(Phase.PREPARE, Fault.FAIL, "Failed to launch container: Failed to prepare with isolator 'a': injected failure"),
        new Case(Phase.ISOLATE, Fault.THROW, "Failed to launch container: Failed to isolate with isolator 'a': injected exception"),
        new Case(Phase.WATCH, Fault.FAIL, "Failed to launch container: Failed to watch with isolator 'a': injected failure"),
        new Case(Phase.USAGE, Fault.THROW, "Failed to get usage with isolator 'a': injected exception"),
        new Case(Phase.STATUS, Fault.FAIL, "Failed to get status with isolator 'a': injected failure"));
    for (Case c : cases) {
      String id = "c-" + c.phase() + "-" + c.fault();
      faults.inject("a", c.phase(), c.fault()).forContainer(id);
      f.launch(request(id, "true"));
      if (c.phase() == Phase.USAGE) {
        f.usage(id);
      } else if (c.phase() == Phase.STATUS) {
        f.list();
      }
      assertEquals(c.message(), f.terminated(id).getMessage(), c.toString());
      assertTrue(f.eventsOf(id).contains("cleanup a"), c + ": " + f.eventsOf(id));
      assertEquals(ContainerState.RUNNING, state(f, "n"), c.toString());
    }
  }

  @Test
  void aCleanupThatFailsIsRetriedWithBackoffAndReported() {
    Fixture f = real(Duration.ofSeconds(30), "a", "b");
    faults.inject("b", Phase.CLEANUP, Fault.FAIL).forContainer("r").times(2);
    f.launched("r");
    f.kill("r", ContainerActor.SIGKILL);
    ContainerTermination termination = f.terminated("r");
    assertEquals("Recovered from failed cleanups: isolator 'b' cleaned up at attempt 3 after: "
        + "Failed to cleanup with isolator 'b': injected failure; "
        + "Failed to cleanup with isolator 'b': injected failure", termination.getMessage());
    assertEquals(List.of("cleanup b", "cleanup a"),
        f.eventsOf("r").stream().filter(e -> e.startsWith("cleanup")).toList(), "b's third attempt reached it");
  }

  @Test
  void aCleanupThatHangsIsRetriedBesideTheHungCallAndGivenUpAfterTheLastAttempt() throws Exception {
    Fixture f = real(Duration.ofMillis(300), "a");
    faults.inject("a", Phase.CLEANUP, Fault.HANG).forContainer("g");
    f.launched("g");
    f.kill("g", ContainerActor.SIGKILL);
    ContainerTermination termination = f.terminated("g");
    assertEquals("Failed to clean up an isolator when destroying container: "
        + "Failed to cleanup with isolator 'a': timed out after 300ms (after 3 attempts)", termination.getMessage());
    assertEquals(3, faults.hanging(), "each attempt left one stuck thread until released");
    faults.releaseAll();
  }
}
