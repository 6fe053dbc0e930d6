package io.corral.actors;

import static io.corral.actors.Fixture.TIMEOUT;
import static io.corral.actors.Fixture.id;
import static io.corral.actors.Fixture.scalar;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.isolators.Phase;
import io.corral.proto.v1.ContainerTermination;
import io.corral.proto.v1.ResourceStatistics;
import io.corral.proto.v1.TaskState;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Containerizer.Update through the container to every isolator, and a launcher destroy that cannot finish. */
@ExtendWith(LogCapturingExtension.class)
class ContainerUpdateTest {
  static final ActorTestKit KIT = ActorTestKit.create("update", Fixture.config());

  @TempDir Path temp;

  @AfterAll
  static void shutdown() {
    KIT.shutdownTestKit();
  }

  private static Containerizer.UpdateReply update(Fixture f, String id, Map<String, Double> limits) {
    TestProbe<Containerizer.UpdateReply> probe = KIT.createTestProbe();
    f.containerizer.tell(new Containerizer.Update(id(id), List.of(scalar("mem", 64)), limits, probe.getRef()));
    return probe.expectMessageClass(Containerizer.UpdateReply.class, TIMEOUT);
  }

  @Test
  void everyIsolatorIsUpdatedAndTheCallerHearsOnceAllAreDone() {
    Fixture f = new Fixture(KIT, temp, "a", "b");
    f.launched("u");
    assertEquals(new Containerizer.Updated(id("u")), update(f, "u", Map.of("mem", 128.0)));
    assertTrue(f.eventsOf("u").containsAll(List.of("update a", "update b")), f.eventsOf("u").toString());
  }

  @Test
  void usageReportsTheLimitsOfTheLastSuccessfulUpdateAndTheConfigKeepsThem() throws Exception {
    Fixture f = new Fixture(KIT, temp, "a", "cgroups/mem");
    f.launch(Fixture.request("u", "true").toBuilder().addResources(scalar("cpus", 0.5))
        .addResources(scalar("mem", 32)).build());
    ResourceStatistics before = statistics(f, "u");
    assertEquals(0.5, before.getCpusSoftLimit());
    assertEquals(32L << 20, before.getMemLimitBytes());

    TestProbe<Containerizer.UpdateReply> probe = KIT.createTestProbe();
    f.containerizer.tell(new Containerizer.Update(id("u"), List.of(scalar("cpus", 1.5), scalar("mem", 64)),
        Map.of("cpus", 2.0, "mem", 128.0), probe.getRef()));
    assertEquals(new Containerizer.Updated(id("u")), probe.expectMessageClass(Containerizer.UpdateReply.class, TIMEOUT));
    ResourceStatistics after = statistics(f, "u");
    assertEquals(1.5, after.getCpusSoftLimit());
    assertEquals(2.0, after.getCpusLimit());
    assertEquals(64L << 20, after.getMemSoftLimitBytes());
    assertEquals(128L << 20, after.getMemLimitBytes());

    f.isolator("cgroups/mem").updateFailure = FakeIsolator.refusal("the usage is above the new limit");
    f.containerizer.tell(new Containerizer.Update(id("u"), List.of(scalar("cpus", 1.5), scalar("mem", 16)),
        Map.of("mem", 16.0), probe.getRef()));
    assertInstanceOf(Containerizer.Rejected.class, probe.expectMessageClass(Containerizer.UpdateReply.class, TIMEOUT));
    assertEquals(128L << 20, statistics(f, "u").getMemLimitBytes(), "a refused update changes nothing");

    // Updated is answered once the config checkpoint holds the new resources.
    io.corral.proto.v1.ContainerConfig config = io.corral.proto.v1.ContainerConfig.parseFrom(
        java.nio.file.Files.readAllBytes(f.paths.config("u")));
    assertEquals(List.of(scalar("cpus", 1.5), scalar("mem", 64)), config.getLaunch().getResourcesList());
    assertEquals(128.0, config.getLaunch().getLimitsMap().get("mem").getValue());
    assertTrue(config.hasPlan(), "the rewritten config keeps the plan");
  }

  private static ResourceStatistics statistics(Fixture f, String id) {
    return assertInstanceOf(Containerizer.Statistics.class, f.usage(id)).statistics();
  }

  @Test
  void aFailedUpdateNamesTheIsolatorAndLeavesTheContainerRunning() {
    Fixture f = new Fixture(KIT, temp, "a", "cgroups/mem");
    f.launched("u");
    f.isolator("cgroups/mem").updateFailure = FakeIsolator.refusal("the usage is above the new limit");
    Containerizer.Rejected rejected = assertInstanceOf(Containerizer.Rejected.class, update(f, "u", Map.of()));
    assertEquals(new ContainerError.IsolatorFailed("cgroups/mem", Phase.UPDATE, "the usage is above the new limit"),
        rejected.error());
    assertEquals("Failed to update with isolator 'cgroups/mem': the usage is above the new limit",
        rejected.error().message());
    assertEquals(ContainerState.RUNNING, f.list().containers().get(0).state());
    f.isolator("cgroups/mem").updateFailure = null;
    assertEquals(new Containerizer.Updated(id("u")), update(f, "u", Map.of()), "it still takes updates");
  }

  @Test
  void twoFailuresAreJoinedInIsolatorOrder() {
    Fixture f = new Fixture(KIT, temp, "a", "b");
    f.launched("u");
    f.isolator("b").updateFailure = FakeIsolator.refusal("no b");
    f.isolator("a").updateFailure = FakeIsolator.refusal("no a");
    Containerizer.Rejected rejected = assertInstanceOf(Containerizer.Rejected.class, update(f, "u", Map.of()));
    assertEquals("Failed to update with isolator 'a': no a; Failed to update with isolator 'b': no b",
        rejected.error().message());
  }

  @Test
  void onlyARunningContainerCanBeUpdated() {
    Fixture f = new Fixture(KIT, temp, "a");
    CountDownLatch gate = new CountDownLatch(1);
    f.isolator("a").prepareGate = gate;
    TestProbe<Containerizer.LaunchReply> launching = KIT.createTestProbe();
    f.containerizer.tell(new Containerizer.Launch(Fixture.request("p", "true"), null, launching.getRef()));
    Containerizer.Rejected preparing = assertInstanceOf(Containerizer.Rejected.class, update(f, "p", Map.of()));
    assertEquals(ContainerError.InvalidState.class, preparing.error().getClass());
    assertTrue(preparing.error().message().startsWith("Failed to update: container 'p' is "),
        preparing.error().message());
    gate.countDown();
    launching.expectMessageClass(Containerizer.Launched.class, TIMEOUT);

    f.launcher.only("p").exited.complete(0);
    f.terminated("p");
    Containerizer.Rejected terminated = assertInstanceOf(Containerizer.Rejected.class, update(f, "p", Map.of()));
    assertEquals("Failed to update: container 'p' is TERMINATED", terminated.error().message());
    assertEquals(0, f.eventsOf("p").stream().filter(e -> e.startsWith("update")).count());

    Containerizer.Rejected unknown = assertInstanceOf(Containerizer.Rejected.class, update(f, "nope", Map.of()));
    assertEquals(new ContainerError.NotFound(id("nope")), unknown.error());
  }

  @Test
  void badValuesAreRefusedBeforeAnyIsolatorSeesThem() {
    Fixture f = new Fixture(KIT, temp, "a");
    f.launched("u");
    for (Map<String, Double> limits : List.of(Map.of("mem", -1.0), Map.of("cpus", Double.NaN))) {
      Containerizer.Rejected rejected = assertInstanceOf(Containerizer.Rejected.class, update(f, "u", limits));
      assertInstanceOf(ContainerError.InvalidRequest.class, rejected.error());
      assertTrue(rejected.error().message().startsWith("Failed to update container 'u': invalid limit for resource"),
          rejected.error().message());
    }
    TestProbe<Containerizer.UpdateReply> probe = KIT.createTestProbe();
    f.containerizer.tell(new Containerizer.Update(id("u"), List.of(scalar("cpus", -0.5)), Map.of(), probe.getRef()));
    Containerizer.Rejected negative = assertInstanceOf(Containerizer.Rejected.class,
        probe.expectMessageClass(Containerizer.UpdateReply.class, TIMEOUT));
    assertEquals("Failed to update container 'u': invalid request for resource 'cpus' (-0.5)",
        negative.error().message());
    assertEquals(0, f.eventsOf("u").stream().filter(e -> e.startsWith("update")).count());
  }

  @Test
  void aLauncherThatCannotEmptyTheContainerFailsTheTerminationWithThePidsLeft() {
    Fixture f = new Fixture(KIT, temp, "a");
    f.launched("d");
    f.launcher.only("d").exited.completeExceptionally(new IllegalStateException(
        "Failed to kill all processes in cgroup '/sys/fs/cgroup/freezer/corral/d' within 60000ms: pids left [7]"));
    ContainerTermination termination = f.terminated("d");
    assertEquals(TaskState.TASK_FAILED, termination.getState());
    assertEquals("Failed to kill all processes in the container: Failed to kill all processes in cgroup"
        + " '/sys/fs/cgroup/freezer/corral/d' within 60000ms: pids left [7]", termination.getMessage());
  }
}
