package io.corral.actors.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.actors.ContainerError.IsolatorFailed.Cause;
import io.corral.actors.FakeIsolator;
import io.corral.actors.Fixture;
import io.corral.actors.container.IsolatorProtocol.Reply;
import io.corral.isolators.ContainerContext;
import io.corral.isolators.Phase;
import io.corral.proto.v1.LaunchPlan;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The phase timeout of {@link IsolatorActor}, on manual time, and failures told to the owner. */
class IsolatorActorTimeoutTest {
  static final ActorTestKit KIT = ActorTestKit.create("isolator-timeout",
      ManualTime.config().withFallback(Fixture.config()));
  static final ManualTime TIME = ManualTime.get(KIT.system());
  static final Duration PHASE = Duration.ofMillis(1500);
  static final ContainerContext CONTAINER = new ContainerContext(Fixture.id("c"), Fixture.request("c", "true"),
      Path.of("/w/containers/c"), Path.of("/r/containers/c"));

  final List<String> events = new CopyOnWriteArrayList<>();
  final FakeIsolator isolator = new FakeIsolator("x", events);
  final TestProbe<Reply> owner = KIT.createTestProbe();
  final TestProbe<Reply> probe = KIT.createTestProbe();
  final ActorRef<IsolatorProtocol.Command> actor =
      KIT.spawn(IsolatorActor.create(isolator, CONTAINER, PHASE, owner.getRef()));
  final CountDownLatch gate = new CountDownLatch(1);

  @AfterEach
  void open() {
    gate.countDown();
  }

  @AfterAll
  static void shutdown() {
    KIT.shutdownTestKit();
  }

  @Test
  void aCallThatOutlivesThePhaseTimeoutFailsAndTheNextOneRunsBesideIt() throws Exception {
    isolator.prepareGate = gate;
    actor.tell(new IsolatorProtocol.Prepare(owner.getRef()));
    assertTrue(isolator.prepareEntered.await(10, TimeUnit.SECONDS));
    actor.tell(new IsolatorProtocol.Cleanup(owner.getRef()));

    TIME.expectNoMessageFor(PHASE.minusMillis(1), owner);
    TIME.timePasses(Duration.ofMillis(1));
    assertEquals(new IsolatorProtocol.Failed("x", Phase.PREPARE, new Cause.TimedOut(Duration.ofMillis(1500))),
        owner.receiveMessage(Fixture.TIMEOUT));
    assertEquals(new IsolatorProtocol.CleanedUp("x"), owner.receiveMessage(Fixture.TIMEOUT));
    assertEquals(List.of("prepare x c", "cleanup x c"), events, "cleanup ran while prepare was stuck");

    // The stuck prepare returns at last: its answer is dropped, and the actor carries on.
    gate.countDown();
    actor.tell(new IsolatorProtocol.Isolate(7, owner.getRef()));
    assertEquals(new IsolatorProtocol.Isolated("x"), owner.receiveMessage(Fixture.TIMEOUT));
    TIME.expectNoMessageFor(PHASE.multipliedBy(2), owner);
  }

  @Test
  void aCallThatReturnsInTimeIsNotTimedOutLater() {
    actor.tell(new IsolatorProtocol.Prepare(owner.getRef()));
    assertEquals(new IsolatorProtocol.Prepared("x", LaunchPlan.getDefaultInstance()), owner.receiveMessage(Fixture.TIMEOUT));
    TIME.expectNoMessageFor(PHASE.multipliedBy(2), owner);
  }

  @Test
  void aFailureOfACallThatAnswersSomeoneElseIsToldToTheOwnerToo() {
    isolator.usage = statistics -> {
      throw new IllegalStateException("no cgroup");
    };
    actor.tell(new IsolatorProtocol.Usage(probe.getRef()));
    IsolatorProtocol.Failed failed = new IsolatorProtocol.Failed("x", Phase.USAGE,
        new Cause.Threw("java.lang.IllegalStateException", "no cgroup"));
    assertEquals(failed, probe.receiveMessage(Fixture.TIMEOUT));
    assertEquals(failed, owner.receiveMessage(Fixture.TIMEOUT));

    isolator.usage = statistics -> statistics.setMemRssBytes(1);
    actor.tell(new IsolatorProtocol.Usage(probe.getRef()));
    assertEquals(IsolatorProtocol.UsageSampled.class, probe.receiveMessage(Fixture.TIMEOUT).getClass());
    owner.expectNoMessage(Duration.ofMillis(100));
  }
}
