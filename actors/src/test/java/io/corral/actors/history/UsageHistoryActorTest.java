package io.corral.actors.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.actors.ContainerState;
import io.corral.actors.Containerizer;
import io.corral.actors.Fixture;
import io.corral.proto.v1.ContainerStatus;
import io.corral.proto.v1.ResourceStatistics;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The history's sampling on manual time, with the containerizer played by a probe: nothing is
 * asked until someone looks, one sample per interval while someone does, none while one is in
 * flight, a removed container's history dropped, and everything dropped once nobody looked.
 */
class UsageHistoryActorTest {
  private static final ActorTestKit KIT = ActorTestKit.create(ManualTime.config().withFallback(Fixture.config()));
  private static final ManualTime TIME = ManualTime.get(KIT.system());
  private static final Duration INTERVAL = Duration.ofSeconds(5);
  private static final Instant STARTED = Instant.ofEpochSecond(1_700_000_000L);

  private final TestProbe<Containerizer.Command> containerizer = KIT.createTestProbe();
  private final TestProbe<UsageHistoryActor.History> reader = KIT.createTestProbe();

  @AfterAll
  static void shutdown() {
    KIT.shutdownTestKit();
  }

  private ActorRef<UsageHistoryActor.Command> spawn(Duration idleAfter) {
    return KIT.spawn(UsageHistoryActor.create(containerizer.getRef(),
        new UsageHistoryActor.Settings(INTERVAL, 3, idleAfter, Duration.ofSeconds(30)),
        pid -> pid == 42 ? Optional.of(STARTED) : Optional.empty()));
  }

  /** A history someone has looked at once (its first, empty answer consumed). */
  private ActorRef<UsageHistoryActor.Command> watched(Duration idleAfter) {
    ActorRef<UsageHistoryActor.Command> history = spawn(idleAfter);
    history.tell(new UsageHistoryActor.Get(reader.getRef()));
    assertTrue(reader.receiveMessage().containers().isEmpty());
    return history;
  }

  private static Containerizer.ContainerSnapshot snapshot(String id, ContainerState state, int pid) {
    ContainerStatus.Builder status = ContainerStatus.newBuilder().setContainerId(Fixture.id(id));
    if (pid > 0) {
      status.setExecutorPid(pid);
    }
    return new Containerizer.ContainerSnapshot(Fixture.id(id), state, status.build(),
        ResourceStatistics.newBuilder().buildPartial(), Optional.empty());
  }

  /** Answers one GET_CONTAINERS with {@code snapshots} and each USAGE it brings with {@code cpu}. */
  private void answer(List<Containerizer.ContainerSnapshot> snapshots, double second, double cpu) {
    containerizer.expectMessageClass(Containerizer.GetContainers.class).replyTo()
        .tell(new Containerizer.Containers(snapshots));
    long running = snapshots.stream().filter(s -> s.state() != ContainerState.TERMINATED).count();
    for (long i = 0; i < running; i++) {
      Containerizer.Usage usage = containerizer.expectMessageClass(Containerizer.Usage.class);
      usage.replyTo().tell(new Containerizer.Statistics(usage.id(), ResourceStatistics.newBuilder()
          .setTimestamp(second).setCpusUserTimeSecs(cpu).setCpusSystemTimeSecs(cpu)
          .setMemTotalBytes(1000).setDiskUsedBytes(2000).build()));
    }
  }

  /** The history once it shows {@code samples} samples of {@code id}. */
  private UsageHistoryActor.History awaitSamples(
      ActorRef<UsageHistoryActor.Command> history, String id, int samples) {
    return reader.awaitAssert(Duration.ofSeconds(10), () -> {
      history.tell(new UsageHistoryActor.Get(reader.getRef()));
      UsageHistoryActor.History h = reader.receiveMessage();
      assertEquals(samples, h.containers().containsKey(id) ? h.containers().get(id).points().size() : 0);
      return h;
    });
  }

  @Test
  void asksNothingUntilSomeoneLooks() {
    spawn(Duration.ofMinutes(10));
    TIME.expectNoMessageFor(Duration.ofMinutes(5), containerizer);
  }

  @Test
  void samplesEveryIntervalWhileWatched() {
    ActorRef<UsageHistoryActor.Command> history = spawn(Duration.ofMinutes(10));
    history.tell(new UsageHistoryActor.Get(reader.getRef()));
    assertTrue(reader.receiveMessage().containers().isEmpty());
    List<Containerizer.ContainerSnapshot> both = List.of(
        snapshot("run", ContainerState.RUNNING, 42), snapshot("done", ContainerState.TERMINATED, 0));
    answer(both, 100, 1.0);
    awaitSamples(history, "run", 1);
    TIME.timePasses(INTERVAL);
    answer(both, 104, 2.0);
    UsageHistoryActor.History h = awaitSamples(history, "run", 2);
    UsageRing.Point last = h.containers().get("run").points().get(1);
    assertEquals(0.5, last.cpus(), 1e-9, "2 CPU seconds more in 4 s");
    assertEquals(1000, last.memoryBytes());
    assertEquals(2000, last.diskBytes());
    assertEquals(Optional.of(STARTED), h.containers().get("run").started());
    assertEquals(2000, h.containers().get("run").latest().orElseThrow().getDiskUsedBytes());
    assertFalse(h.containers().containsKey("done"), "a terminated container without history or init");
    assertEquals(INTERVAL, h.interval());
  }

  @Test
  void keepsAtMostCapacitySamplesAndDropsARemovedContainer() {
    ActorRef<UsageHistoryActor.Command> history = watched(Duration.ofMinutes(10));
    List<Containerizer.ContainerSnapshot> one = List.of(snapshot("run", ContainerState.RUNNING, 42));
    for (int i = 0; i < 5; i++) {
      answer(one, 100 + i, i);
      awaitSamples(history, "run", Math.min(i + 1, 3));
      TIME.timePasses(INTERVAL);
    }
    answer(List.of(), 110, 0);
    awaitSamples(history, "run", 0);
    history.tell(new UsageHistoryActor.Get(reader.getRef()));
    assertTrue(reader.receiveMessage().containers().isEmpty(), "no start time left either");
  }

  @Test
  void skipsTicksWhileASampleIsInFlight() {
    ActorRef<UsageHistoryActor.Command> history = watched(Duration.ofMinutes(10));
    Containerizer.GetContainers pending = containerizer.expectMessageClass(Containerizer.GetContainers.class);
    TIME.expectNoMessageFor(INTERVAL.multipliedBy(3), containerizer);
    pending.replyTo().tell(new Containerizer.Containers(List.of()));
    TIME.timePasses(INTERVAL);
    containerizer.expectMessageClass(Containerizer.GetContainers.class);
  }

  @Test
  void stopsAndForgetsOnceNobodyLooks() {
    ActorRef<UsageHistoryActor.Command> history = watched(INTERVAL.multipliedBy(2));
    List<Containerizer.ContainerSnapshot> one = List.of(snapshot("run", ContainerState.RUNNING, 42));
    answer(one, 100, 1);
    awaitSamples(history, "run", 1);
    TIME.timePasses(INTERVAL);
    answer(one, 105, 2);
    TIME.timePasses(INTERVAL);
    TIME.expectNoMessageFor(Duration.ofMinutes(5), containerizer);
    history.tell(new UsageHistoryActor.Get(reader.getRef()));
    assertTrue(reader.receiveMessage().containers().isEmpty(), "the history was dropped");
    answer(one, 400, 3);
    awaitSamples(history, "run", 1);
  }

  @Test
  void theJdkKnowsWhenAProcessStarted() {
    Optional<Instant> self = UsageHistoryActor.StartTimes.processHandles().of((int) ProcessHandle.current().pid());
    assertTrue(self.isPresent());
    assertTrue(self.get().isAfter(Instant.ofEpochSecond(1)));
  }
}
