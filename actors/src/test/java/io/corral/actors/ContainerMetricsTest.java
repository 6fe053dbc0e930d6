package io.corral.actors;

import static io.corral.actors.Fixture.TIMEOUT;
import static io.corral.actors.Fixture.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.actors.metrics.MetricsRecorder;
import io.corral.proto.v1.TaskStatus;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** What the containerizer records into its meter registry, on a scripted launcher and a fake isolator. */
@ExtendWith(LogCapturingExtension.class)
class ContainerMetricsTest {
  static final ActorTestKit KIT = ActorTestKit.create("metrics", Fixture.config());

  @TempDir Path temp;

  final MeterRegistry registry = new SimpleMeterRegistry();
  final List<String> events = new CopyOnWriteArrayList<>();
  final ScriptedLauncher launcher = new ScriptedLauncher(events);
  final FakeIsolator isolator = new FakeIsolator("a", events);
  ActorRef<Containerizer.Command> containerizer;

  @AfterAll
  static void shutdown() {
    KIT.shutdownTestKit();
  }

  private void start() {
    ContainerizerSettings settings = new ContainerizerSettings(temp.resolve("work"), temp.resolve("run"),
        List.of(isolator), launcher, null, Duration.ofSeconds(30)).withMeterRegistry(registry);
    containerizer = KIT.spawn(Containerizer.create(settings));
  }

  private Containerizer.LaunchReply launch(String id) {
    TestProbe<Containerizer.LaunchReply> probe = KIT.createTestProbe();
    containerizer.tell(new Containerizer.Launch(request(id, "true"), null, probe.getRef()));
    return probe.expectMessageClass(Containerizer.LaunchReply.class, TIMEOUT);
  }

  private Containerizer.Terminated terminated(String id) {
    TestProbe<Containerizer.WaitReply> probe = KIT.createTestProbe();
    containerizer.tell(new Containerizer.Wait(Fixture.id(id), probe.getRef()));
    return assertInstanceOf(Containerizer.Terminated.class,
        probe.expectMessageClass(Containerizer.WaitReply.class, TIMEOUT));
  }

  private long containers(ContainerState state) {
    return (long) registry.get(ContainerMetrics.CONTAINERS).tag("state", ContainerMetrics.tag(state)).gauge().value();
  }

  private long counted(String name) {
    return (long) registry.get(name).counter().count();
  }

  private long phaseCalls(String phase) {
    Timer timer = registry.find(ContainerMetrics.ISOLATOR_PHASE).tag("isolator", "a").tag("phase", phase).timer();
    return timer == null ? 0 : timer.count();
  }

  @Test
  void aLaunchIsCountedTimedAndItsPhasesRecorded() {
    start();
    assertEquals(0, containers(ContainerState.RUNNING));

    assertInstanceOf(Containerizer.Launched.class, launch("c1"));

    assertEquals(1, containers(ContainerState.RUNNING));
    for (ContainerState other : List.of(ContainerState.PROVISIONING, ContainerState.PREPARING,
        ContainerState.ISOLATING, ContainerState.DESTROYING, ContainerState.TERMINATED)) {
      assertEquals(0, containers(other), other.name());
    }
    Timer latency = registry.get(ContainerMetrics.LAUNCH).timer();
    assertEquals(1, latency.count());
    assertTrue(latency.takeSnapshot().histogramCounts().length > 0, "the launch timer has buckets");
    assertEquals(1, phaseCalls("prepare"));
    assertEquals(1, phaseCalls("isolate"));
    assertEquals(0, counted(ContainerMetrics.LAUNCH_ERRORS));
    assertEquals(0, counted(ContainerMetrics.DESTROY_ERRORS));
  }

  @Test
  void aFailedLaunchCountsAsALaunchErrorAndIsNotTimed() {
    start();
    isolator.prepareFailure = FakeIsolator.refusal("no room");

    assertInstanceOf(Containerizer.Rejected.class, launch("bad"));

    assertEquals(TaskStatus.Reason.REASON_CONTAINER_LAUNCH_FAILED, terminated("bad").termination().getReason());
    assertEquals(1, counted(ContainerMetrics.LAUNCH_ERRORS));
    assertEquals(0, registry.get(ContainerMetrics.LAUNCH).timer().count());
    assertEquals(1, containers(ContainerState.TERMINATED));
    assertEquals(0, containers(ContainerState.RUNNING));
    assertEquals(1, phaseCalls("cleanup"));
    assertEquals(0, counted(ContainerMetrics.DESTROY_ERRORS));
  }

  @Test
  void aDestroyWhoseCleanupFinallyFailsCountsAsADestroyErrorAndRemoveUncountsIt() {
    start();
    assertInstanceOf(Containerizer.Launched.class, launch("c2"));
    isolator.cleanupFailure = new RuntimeException("still busy");

    launcher.only("c2").exited.complete(0);
    terminated("c2");

    assertEquals(1, counted(ContainerMetrics.DESTROY_ERRORS));
    assertEquals(0, counted(ContainerMetrics.LAUNCH_ERRORS));
    assertEquals(1, containers(ContainerState.TERMINATED));
    assertEquals(0, containers(ContainerState.RUNNING));
    // Every attempt of the failing cleanup is one call of the phase.
    assertEquals(3, phaseCalls("cleanup"));

    TestProbe<Containerizer.RemoveReply> removed = KIT.createTestProbe();
    containerizer.tell(new Containerizer.Remove(Fixture.id("c2"), removed.getRef()));
    assertInstanceOf(Containerizer.Removed.class, removed.expectMessageClass(Containerizer.RemoveReply.class, TIMEOUT));
    assertEquals(0, containers(ContainerState.TERMINATED));
  }

  @Test
  void aLauncherDestroyThatLeavesProcessesCountsAsADestroyError() {
    start();
    assertInstanceOf(Containerizer.Launched.class, launch("left"));

    launcher.only("left").exited.completeExceptionally(new IllegalStateException("pids left [7]"));
    terminated("left");

    assertEquals(1, counted(ContainerMetrics.DESTROY_ERRORS));
  }

  @Test
  void withDiskXfsTheProjectIdsArePublished() throws Exception {
    Path work = java.nio.file.Files.createDirectories(temp.resolve("work"));
    io.corral.posix.testing.FakeLinux fake = new io.corral.posix.testing.FakeLinux()
        .xfs(work, Path.of("/dev/loop9"), "rw,relatime,prjquota");
    io.corral.isolators.disk.XfsDiskIsolator xfs = new io.corral.isolators.disk.XfsDiskIsolator(
        fake.linux().quotas(), new io.corral.isolators.disk.XfsConfig(work,
            io.corral.isolators.disk.ProjectRange.parse("[5000-5009]"), false, Duration.ofMinutes(1)));
    ContainerizerSettings settings = new ContainerizerSettings(work, temp.resolve("run"), List.of(xfs),
        launcher, null, Duration.ofSeconds(30)).withMeterRegistry(registry);
    containerizer = KIT.spawn(Containerizer.create(settings));
    // Any answer means the containerizer has been set up.
    TestProbe<Containerizer.WaitReply> probe = KIT.createTestProbe();
    containerizer.tell(new Containerizer.Wait(Fixture.id("none"), probe.getRef()));
    probe.expectMessageClass(Containerizer.WaitReply.class, TIMEOUT);

    assertEquals(10.0, registry.get(ContainerMetrics.PROJECT_IDS).tag("kind", "total").gauge().value());
    assertEquals(10.0, registry.get(ContainerMetrics.PROJECT_IDS).tag("kind", "free").gauge().value());
  }

  @Test
  void theDefaultRecordsNothingAndOneRegistryHasOneSetOfMeters() {
    ContainerizerSettings plain = new ContainerizerSettings(temp, temp, List.of(), launcher, null, Duration.ofSeconds(1));
    assertSame(ContainerMetrics.NONE, plain.metrics());
    MetricsRecorder.of(ContainerMetrics.NONE).launched(1_000_000);
    MetricsRecorder.of(ContainerMetrics.NONE).launchFailed();
    assertEquals(0, ContainerMetrics.NONE.registry().get(ContainerMetrics.LAUNCH).timer().count());
    assertEquals(0, ContainerMetrics.NONE.registry().get(ContainerMetrics.LAUNCH_ERRORS).counter().count());
    assertSame(ContainerMetrics.of(registry), plain.withMeterRegistry(registry).metrics());
    assertSame(registry, plain.withMeterRegistry(registry).withIsolatorPhaseTimeout(Duration.ofSeconds(2))
        .meterRegistry());
  }
}
