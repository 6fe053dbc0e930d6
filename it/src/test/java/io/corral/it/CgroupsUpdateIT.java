package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.actors.ContainerError;
import io.corral.actors.ContainerState;
import io.corral.actors.Containerizer;
import io.corral.actors.ContainerizerSettings;
import io.corral.isolators.IsolationFlag;
import io.corral.isolators.IsolatorRegistry;
import io.corral.isolators.Phase;
import io.corral.isolators.cgroups.CgroupsConfig;
import io.corral.isolators.cgroups.Hierarchies;
import io.corral.it.support.Eventually;
import io.corral.it.support.Host;
import io.corral.posix.Linux;
import io.corral.posix.testing.TestDirectories;
import io.corral.proto.v1.CommandInfo;
import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.Resource;
import io.corral.proto.v1.ResourceStatistics;
import io.corral.proto.v1.Value;
import io.corral.proto.v1.agent.Call;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code Containerizer.Update} and the memory pressure counters on the real kernel, through an
 * embedded containerizer with {@code cgroups/cpu} and {@code cgroups/mem} on its own
 * {@code --cgroups_root}: limits are raised and lowered in {@code memory.limit_in_bytes}, a
 * limit below the usage is refused and the container keeps running, usage reports the limits of
 * the last update, and a container that streams a file through a small memory cgroup sees its
 * low pressure counter rise.
 */
@Tag("root")
class CgroupsUpdateIT {
  private static final Duration REPLY = Duration.ofSeconds(30);
  private static final Path MEMORY = Path.of("/sys/fs/cgroup/memory");
  private static final Path CPU = Path.of("/sys/fs/cgroup/cpu");

  private ActorTestKit kit;
  private Path dir;
  private CgroupsConfig cgroups;
  private ActorRef<Containerizer.Command> containerizer;

  @BeforeEach
  void start() throws IOException {
    assumeTrue(Host.isRoot(), "needs root: cgroups");
    assumeTrue(Files.isRegularFile(MEMORY.resolve("memory.limit_in_bytes")),
        "needs the cgroup v1 memory hierarchy at " + MEMORY);
    dir = TestDirectories.notUnderTmp("it-update", "cgroups");
    cgroups = CgroupsConfig.defaults().withRoot(CgroupsConfig.DEFAULT_HIERARCHY,
        "corral-it-update-" + UUID.randomUUID().toString().substring(0, 8));
    ContainerizerSettings settings = ContainerizerSettings.forHost(Linux.nativeDefault(),
        dir.resolve("work"), dir.resolve("runtime"), IsolationFlag.parse("filesystem/posix,cgroups/cpu,cgroups/mem"),
        IsolatorRegistry.Options.defaults().withCgroups(cgroups), dir.resolve("runtime").resolve("bin"),
        ContainerizerSettings.DEFAULT_LAUNCH_TIMEOUT);
    kit = ActorTestKit.create("update");
    containerizer = kit.spawn(Containerizer.create(settings), "containerizer");
  }

  @AfterEach
  void stop() {
    if (kit != null) {
      kit.stop(containerizer); // kills what still runs and releases the root lock
      kit.shutdownTestKit();
      Hierarchies.removeRoot(Linux.nativeDefault(), cgroups);
    }
  }

  @Test
  void limitsAreRaisedAndLoweredForRealAndALimitBelowUsageIsRefused() {
    // tail keeps its newline-free input in memory: about 40 MB, held until it is killed.
    launch("u", "(head -c 41943040 /dev/zero; exec sleep 1000) | tail", 64);
    Path cgroup = MEMORY.resolve(cgroups.root()).resolve("u");
    assertEquals(64L << 20, number(cgroup.resolve("memory.limit_in_bytes")));
    Eventually.await(REPLY, () -> number(cgroup.resolve("memory.usage_in_bytes")) > 40L << 20,
        () -> "40 MB in use: " + number(cgroup.resolve("memory.usage_in_bytes")));

    assertEquals(new Containerizer.Updated(id("u")), update("u", 64, 256));
    assertEquals(256L << 20, number(cgroup.resolve("memory.limit_in_bytes")), "raised");
    assertEquals(new Containerizer.Updated(id("u")), update("u", 64, 96));
    assertEquals(96L << 20, number(cgroup.resolve("memory.limit_in_bytes")), "lowered above the usage");

    Containerizer.Rejected refused = assertInstanceOf(Containerizer.Rejected.class, update("u", 32, 32));
    ContainerError.IsolatorFailed failed = assertInstanceOf(ContainerError.IsolatorFailed.class, refused.error());
    assertEquals("cgroups/mem", failed.isolator());
    assertEquals(Phase.UPDATE, failed.phase());
    assertTrue(failed.message().contains("is above the new limit (32MB)"), failed.message());
    assertEquals(96L << 20, number(cgroup.resolve("memory.limit_in_bytes")), "unchanged by the refusal");

    TestProbe<Containerizer.Containers> lists = kit.createTestProbe();
    containerizer.tell(new Containerizer.GetContainers(lists.ref()));
    assertEquals(ContainerState.RUNNING,
        lists.expectMessageClass(Containerizer.Containers.class, REPLY).containers().get(0).state(),
        "the container keeps running");
    assertEquals(9, killAndWait("u"));
  }

  /**
   * After an update, the kernel holds the new values and usage reports them: the
   * {@code *_limit} statistics follow the last successful update, not the launch.
   */
  @Test
  void usageReportsTheLimitsOfTheLastUpdate() {
    Call.LaunchContainer request = Call.LaunchContainer.newBuilder()
        .setContainerId(id("l"))
        .setCommand(CommandInfo.newBuilder().setValue("exec sleep 1000"))
        .addResources(scalar("cpus", 0.5))
        .addResources(scalar("mem", 64))
        .build();
    TestProbe<Containerizer.LaunchReply> launches = kit.createTestProbe();
    containerizer.tell(new Containerizer.Launch(request, null, launches.ref()));
    launches.expectMessage(REPLY, new Containerizer.Launched(id("l")));
    ResourceStatistics before = usage("l");
    assertEquals(0.5, before.getCpusSoftLimit(), before.toString());
    assertEquals(64L << 20, before.getMemLimitBytes(), before.toString());
    assertFalse(before.hasCpusLimit(), before.toString());

    TestProbe<Containerizer.UpdateReply> probe = kit.createTestProbe();
    containerizer.tell(new Containerizer.Update(id("l"), List.of(scalar("cpus", 1), scalar("mem", 96)),
        Map.of("cpus", 2.0, "mem", 128.0), probe.ref()));
    assertEquals(new Containerizer.Updated(id("l")), probe.expectMessageClass(Containerizer.UpdateReply.class, REPLY));

    Path cpu = CPU.resolve(cgroups.root()).resolve("l");
    Path memory = MEMORY.resolve(cgroups.root()).resolve("l");
    assertEquals(1024, number(cpu.resolve("cpu.shares")));
    assertEquals(2 * number(cpu.resolve("cpu.cfs_period_us")), number(cpu.resolve("cpu.cfs_quota_us")));
    assertEquals(128L << 20, number(memory.resolve("memory.limit_in_bytes")));
    assertEquals(96L << 20, number(memory.resolve("memory.soft_limit_in_bytes")));
    ResourceStatistics after = usage("l");
    assertEquals(1.0, after.getCpusSoftLimit(), after.toString());
    assertEquals(2.0, after.getCpusLimit(), after.toString());
    assertEquals(96L << 20, after.getMemSoftLimitBytes(), after.toString());
    assertEquals(128L << 20, after.getMemLimitBytes(), after.toString());
    assertEquals(9, killAndWait("l"));
  }

  @Test
  void theLowPressureCounterRisesUnderRealMemoryPressure() {
    assumeTrue(Files.exists(MEMORY.resolve("memory.pressure_level")),
        "needs memory.pressure_level (the v1 memory controller's vmpressure events)");
    // 256 MB of page cache through a 32 MB cgroup: the kernel reclaims it over and over.
    launch("p", "dd if=/dev/zero of=big bs=1M count=256 status=none; "
        + "while :; do cat big > /dev/null; done", 32);
    Eventually.await(Duration.ofSeconds(60), () -> usage("p").getMemLowPressureCounter() > 0,
        () -> "a low pressure event: " + usage("p"));
    ResourceStatistics statistics = usage("p");
    assertTrue(statistics.hasMemMediumPressureCounter() && statistics.hasMemCriticalPressureCounter(),
        statistics.toString());
    assertEquals(9, killAndWait("p"));
  }

  private void launch(String id, String command, double mem) {
    Call.LaunchContainer request = Call.LaunchContainer.newBuilder()
        .setContainerId(id(id))
        .setCommand(CommandInfo.newBuilder().setValue(command))
        .addResources(scalar("mem", mem))
        .build();
    TestProbe<Containerizer.LaunchReply> launches = kit.createTestProbe();
    containerizer.tell(new Containerizer.Launch(request, null, launches.ref()));
    launches.expectMessage(REPLY, new Containerizer.Launched(id(id)));
  }

  private Containerizer.UpdateReply update(String id, double request, double limit) {
    TestProbe<Containerizer.UpdateReply> probe = kit.createTestProbe();
    containerizer.tell(new Containerizer.Update(id(id), List.of(scalar("mem", request)),
        Map.of("mem", limit), probe.ref()));
    return probe.expectMessageClass(Containerizer.UpdateReply.class, REPLY);
  }

  private ResourceStatistics usage(String id) {
    TestProbe<Containerizer.UsageReply> probe = kit.createTestProbe();
    containerizer.tell(new Containerizer.Usage(id(id), probe.ref()));
    return probe.expectMessageClass(Containerizer.Statistics.class, REPLY).statistics();
  }

  private int killAndWait(String id) {
    TestProbe<Containerizer.WaitReply> waits = kit.createTestProbe();
    containerizer.tell(new Containerizer.Wait(id(id), waits.ref()));
    TestProbe<Containerizer.KillReply> kills = kit.createTestProbe();
    containerizer.tell(new Containerizer.Kill(id(id), 9, kills.ref()));
    kills.expectMessage(REPLY, new Containerizer.Killed(id(id)));
    int status = waits.expectMessageClass(Containerizer.Terminated.class, REPLY).termination().getStatus();
    TestProbe<Containerizer.RemoveReply> removes = kit.createTestProbe();
    containerizer.tell(new Containerizer.Remove(id(id), removes.ref()));
    removes.expectMessage(REPLY, new Containerizer.Removed(id(id)));
    return status;
  }

  private static long number(Path file) {
    try {
      return Long.parseLong(Files.readString(file).trim());
    } catch (IOException e) {
      return -1;
    }
  }

  private static ContainerID id(String value) {
    return ContainerID.newBuilder().setValue(value).build();
  }

  private static Resource scalar(String name, double value) {
    return Resource.newBuilder().setName(name).setType(Value.Type.SCALAR)
        .setScalar(Value.Scalar.newBuilder().setValue(value)).build();
  }
}
