package io.corral.actors.disk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.actors.ContainerMetrics;
import io.corral.actors.Fixture;
import io.corral.isolators.ContainerContext;
import io.corral.isolators.Limitation;
import io.corral.isolators.disk.DuConfig;
import io.corral.isolators.disk.DuDiskIsolator;
import io.corral.posix.du.DuException;
import io.corral.posix.testing.FakeDu;
import io.corral.proto.v1.TaskStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The disk watcher's scheduling on manual time: a run at once, then every interval, sooner near
 * the quota, bounded parallelism, timers cancelled by cleanup, runs killed when it stops; with
 * the real {@link DuDiskIsolator} over a scripted {@code du}.
 */
class DiskWatchActorTest {
  private static final ActorTestKit KIT = ActorTestKit.create(ManualTime.config().withFallback(Fixture.config()));
  private static final ManualTime TIME = ManualTime.get(KIT.system());
  private static final Duration INTERVAL = Duration.ofMillis(200);
  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir Path temp;

  private final FakeDu du = new FakeDu();
  private final TestProbe<DiskWatchActor.Scheduled> scheduled = KIT.createTestProbe();

  private final java.util.List<ActorRef<DiskWatchActor.Command>> watchers = new java.util.ArrayList<>();

  /** Stops this test's watchers, which kills their hanging runs. */
  @org.junit.jupiter.api.AfterEach
  void stopWatchers() throws InterruptedException {
    watchers.forEach(KIT::stop);
    du.awaitLive(0, WAIT);
  }

  @AfterAll
  static void shutdown() {
    KIT.shutdownTestKit();
  }

  private DuDiskIsolator watcher(boolean enforce, int parallelism) {
    DuDiskIsolator isolator = new DuDiskIsolator(
        new DuConfig(INTERVAL, enforce, parallelism, Duration.ofSeconds(5), "du"), du);
    watchers.add(KIT.spawn(DiskWatchActor.create(isolator, scheduled.getRef())));
    return isolator;
  }

  private ContainerContext track(DuDiskIsolator isolator, String id, double diskMb) throws IOException {
    ContainerContext c = context(id, diskMb);
    isolator.isolate(c, 1);
    return c;
  }

  private ContainerContext context(String id, double diskMb) throws IOException {
    Path sandbox = Files.createDirectories(temp.resolve(id));
    return new ContainerContext(Fixture.id(id),
        Fixture.request(id, "true").toBuilder().addResources(Fixture.scalar("disk", diskMb)).build(),
        sandbox, temp.resolve("run-" + id));
  }

  @Test
  void testkitsFaultyDuRunsThroughTheConfiguredDuCommand() throws Exception {
    Path failing = io.corral.testkit.FaultyDu.install(temp.resolve("fail"), io.corral.testkit.Fault.FAIL);
    Path hanging = io.corral.testkit.FaultyDu.install(temp.resolve("hang"), io.corral.testkit.Fault.HANG);
    for (Path faulty : java.util.List.of(failing, hanging)) {
      DuConfig config = new DuConfig(INTERVAL, true, 1, Duration.ofMillis(300), faulty.toString());
      DuDiskIsolator isolator = (DuDiskIsolator) io.corral.isolators.IsolatorRegistry.create(
          java.util.List.of("disk/du"), new io.corral.posix.testing.FakeLinux().linux(),
          io.corral.isolators.IsolatorRegistry.Options.defaults().withDu(config)).get(0);
      watchers.add(KIT.spawn(DiskWatchActor.create(isolator, scheduled.getRef())));
      ContainerContext c = track(isolator, "faulty-" + faulty.getParent().getFileName(), 1);

      String failure = scheduled.expectMessageClass(DiskWatchActor.Scheduled.class, WAIT).sample()
          .failure().orElseThrow();

      assertTrue(failure.contains(faulty == failing ? "Input/output error" : "did not finish within 300ms"),
          failure);
      assertFalse(isolator.watch(c).toCompletableFuture().isDone(), "a faulty du is no reason to kill");
      isolator.cleanup(c);
    }
  }

  @Test
  void everyDuRunIsTimedInTheMeterRegistry() throws Exception {
    Path failing = io.corral.testkit.FaultyDu.install(temp.resolve("timed"), io.corral.testkit.Fault.FAIL);
    DuConfig config = new DuConfig(INTERVAL, false, 1, Duration.ofSeconds(5), failing.toString());
    DuDiskIsolator isolator = (DuDiskIsolator) io.corral.isolators.IsolatorRegistry.create(
        java.util.List.of("disk/du"), new io.corral.posix.testing.FakeLinux().linux(),
        io.corral.isolators.IsolatorRegistry.Options.defaults().withDu(config)).get(0);
    io.micrometer.core.instrument.MeterRegistry registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    watchers.add(KIT.spawn(DiskWatchActor.create(isolator, null, scheduled.getRef(), ContainerMetrics.of(registry))));
    ContainerContext c = track(isolator, "timed", 1);

    scheduled.expectMessageClass(DiskWatchActor.Scheduled.class, WAIT);

    assertEquals(1, registry.get(ContainerMetrics.DU).timer().count(), "a failed run is a run too");
    isolator.cleanup(c);
  }

  @Test
  void containersRecoveredBeforeTheWatcherExistsAreMeasured() throws Exception {
    DuDiskIsolator isolator = new DuDiskIsolator(
        new DuConfig(INTERVAL, false, 2, Duration.ofSeconds(5), "du"), du);
    // An agent restart: the isolator recovers first, the containerizer spawns the watcher after.
    ContainerContext noDisk = new ContainerContext(Fixture.id("no-disk"), Fixture.request("no-disk", "true"),
        Files.createDirectories(temp.resolve("no-disk")), temp.resolve("run-no-disk"));
    isolator.recover(java.util.List.of(context("old", 1), noDisk));
    watchers.add(KIT.spawn(DiskWatchActor.create(isolator, scheduled.getRef())));

    assertEquals(temp.resolve("old").toRealPath(), du.nextStart(WAIT).root());
    assertEquals("old", scheduled.expectMessageClass(DiskWatchActor.Scheduled.class, WAIT).container());
    du.expectNoStart(Duration.ofMillis(100));
    TIME.timePasses(INTERVAL);
    assertEquals(temp.resolve("old").toRealPath(), du.nextStart(WAIT).root(), "and again every interval");
  }

  @Test
  void containersRecoveredAfterTheWatcherExistsAreMeasured() throws Exception {
    DuDiskIsolator isolator = watcher(false, 2);
    scheduled.expectNoMessage(Duration.ofMillis(50));

    isolator.recover(java.util.List.of(context("late", 1)));

    assertEquals(temp.resolve("late").toRealPath(), du.nextStart(WAIT).root());
    assertEquals("late", scheduled.expectMessageClass(DiskWatchActor.Scheduled.class, WAIT).container());
  }

  @Test
  void aReplayedContainerUntrackedMeanwhileIsNotWatched() throws Exception {
    DuDiskIsolator isolator = new DuDiskIsolator(
        new DuConfig(INTERVAL, false, 2, Duration.ofSeconds(5), "du"), du);
    ActorRef<DiskWatchActor.Command> watcher = KIT.spawn(DiskWatchActor.create(isolator, scheduled.getRef()));
    watchers.add(watcher);

    // What listen()'s replay delivers when cleanup untracked the container during the replay.
    watcher.tell(new DiskWatchActor.Tracked("ghost"));
    TIME.timePasses(INTERVAL.multipliedBy(3));

    du.expectNoStart(Duration.ofMillis(200));
    scheduled.expectNoMessage(Duration.ofMillis(50));
  }

  @Test
  void aTrackedContainerIsMeasuredAtOnceThenEveryInterval() throws Exception {
    DuDiskIsolator isolator = watcher(false, 2);
    track(isolator, "a", 100);
    assertEquals(temp.resolve("a").toRealPath(), du.nextStart(WAIT).root());
    assertEquals(INTERVAL, scheduled.expectMessageClass(DiskWatchActor.Scheduled.class, WAIT).delay());

    TIME.timePasses(INTERVAL.minusMillis(1));
    du.expectNoStart(Duration.ofMillis(100));
    TIME.timePasses(Duration.ofMillis(1));
    du.nextStart(WAIT);
  }

  @Test
  void aContainerCloseToItsQuotaIsMeasuredSooner() throws Exception {
    DuDiskIsolator isolator = watcher(false, 2);
    du.answer(950);
    track(isolator, "near", 1);
    assertEquals(INTERVAL.dividedBy(4), scheduled.expectMessageClass(DiskWatchActor.Scheduled.class, WAIT).delay());
  }

  @Test
  void aGrowingContainerIsMeasuredBeforeItCouldReachItsQuota() throws Exception {
    DuDiskIsolator isolator = watcher(false, 2);
    du.answer(1024).answer(5 * 1024);
    track(isolator, "grows", 10);
    assertEquals(INTERVAL, scheduled.expectMessageClass(DiskWatchActor.Scheduled.class, WAIT).delay());
    TIME.timePasses(INTERVAL);
    // 4MB in 200ms, 5MB left: full in 250ms, so the next sample comes after half of that.
    assertEquals(Duration.ofMillis(125), scheduled.expectMessageClass(DiskWatchActor.Scheduled.class, WAIT).delay());
  }

  @Test
  void atMostParallelismRunsAtOnceAndCleanupLetsTheNextOneStart() throws Exception {
    DuDiskIsolator isolator = watcher(false, 2);
    du.hang().hang().hang();
    ContainerContext first = track(isolator, "h1", 1);
    track(isolator, "h2", 1);
    track(isolator, "h3", 1);
    du.nextStart(WAIT);
    du.nextStart(WAIT);
    du.expectNoStart(Duration.ofMillis(200));
    assertEquals(2, du.live());

    isolator.cleanup(first);

    assertEquals(temp.resolve("h3").toRealPath(), du.nextStart(WAIT).root());
    assertEquals(2, du.live());
  }

  @Test
  void aFailedRunIsRetriedAfterTheIntervalAndTheContainerIsLeftAlone() throws Exception {
    DuDiskIsolator isolator = watcher(true, 1);
    du.answer(10).fail(DuException.Kind.TIMED_OUT, "Failed to measure disk usage of 'x': too slow").answer(20);
    ContainerContext c = track(isolator, "flaky", 1);
    CompletableFuture<Limitation> watch = isolator.watch(c).toCompletableFuture();
    scheduled.expectMessageClass(DiskWatchActor.Scheduled.class, WAIT);
    TIME.timePasses(INTERVAL);

    DiskWatchActor.Scheduled failed = scheduled.expectMessageClass(DiskWatchActor.Scheduled.class, WAIT);

    assertEquals(INTERVAL, failed.delay());
    assertEquals("Failed to measure disk usage of 'x': too slow", failed.sample().failure().orElseThrow());
    assertEquals(10 * 1024, failed.sample().lastUsedBytes().getAsLong());
    TIME.timePasses(INTERVAL);
    assertEquals(20 * 1024, scheduled.expectMessageClass(DiskWatchActor.Scheduled.class, WAIT)
        .sample().usedBytes().getAsLong());
    assertFalse(watch.isDone());
  }

  @Test
  void aSampleOverTheQuotaReachesTheContainersWatch() throws Exception {
    DuDiskIsolator isolator = watcher(true, 1);
    du.answer(3 * 1024);
    ContainerContext c = track(isolator, "over", 2);
    Limitation limitation = isolator.watch(c).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals("Disk usage (3MB) exceeds quota (2MB)", limitation.message());
    assertEquals(TaskStatus.Reason.REASON_CONTAINER_LIMITATION_DISK, limitation.reason());
  }

  @Test
  void cleanupCancelsTheNextRun() throws Exception {
    DuDiskIsolator isolator = watcher(false, 1);
    ContainerContext c = track(isolator, "gone", 1);
    scheduled.expectMessageClass(DiskWatchActor.Scheduled.class, WAIT);
    du.nextStart(WAIT);

    isolator.cleanup(c);
    TIME.timePasses(INTERVAL.multipliedBy(3));

    du.expectNoStart(Duration.ofMillis(200));
    scheduled.expectNoMessage(Duration.ofMillis(50));
  }

  @Test
  void stoppingTheWatcherKillsTheRunningDu() throws Exception {
    DuDiskIsolator isolator = new DuDiskIsolator(
        new DuConfig(INTERVAL, false, 1, Duration.ofSeconds(5), "du"), du);
    ActorRef<DiskWatchActor.Command> watcher = KIT.spawn(DiskWatchActor.create(isolator));
    du.hang();
    track(isolator, "running", 1);
    FakeDu.Started started = du.nextStart(WAIT);

    KIT.stop(watcher);

    du.awaitLive(0, WAIT);
    assertTrue(started.run().killed());
  }
}
