package io.corral.it;

import static io.corral.it.support.EmbeddedContainerizer.id;
import static io.corral.it.support.EmbeddedContainerizer.scalar;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.actors.ContainerError;
import io.corral.actors.ContainerState;
import io.corral.actors.Containerizer;
import io.corral.isolators.Phase;
import io.corral.isolators.cgroups.CpuController;
import io.corral.it.support.EmbeddedContainerizer;
import io.corral.it.support.Eventually;
import io.corral.it.support.Host;
import io.corral.proto.v1.CommandInfo;
import io.corral.proto.v1.ResourceStatistics;
import io.corral.proto.v1.agent.Call;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code Containerizer.Update} and the memory pressure counters on the real kernel, through an
 * embedded containerizer with {@code cgroups/cpu} and {@code cgroups/mem} on its own
 * {@code --cgroups_root}: limits are raised and lowered in the kernel's files (v1
 * {@code memory.limit_in_bytes}, v2 {@code memory.max}), a limit below the usage is refused and
 * the container keeps running, usage reports the limits of the last update, and a container that
 * streams a file through a small memory cgroup sees its pressure counters rise. Runs on either
 * cgroup layout: v1 on this host, v2 in the test guest ({@code GuestKernelIT}).
 */
@Tag("root")
class CgroupsUpdateIT {
  private static final Duration REPLY = EmbeddedContainerizer.REPLY;
  private static final Path HIERARCHY = Path.of("/sys/fs/cgroup");
  private static final boolean V2 = Files.exists(HIERARCHY.resolve("cgroup.controllers"));
  private static final Path MEMORY = V2 ? HIERARCHY : HIERARCHY.resolve("memory");
  private static final Path CPU = V2 ? HIERARCHY : HIERARCHY.resolve("cpu");
  private static final String LIMIT = V2 ? "memory.max" : "memory.limit_in_bytes";
  private static final String USAGE = V2 ? "memory.current" : "memory.usage_in_bytes";

  private EmbeddedContainerizer corral;

  @BeforeEach
  void start() throws IOException {
    assumeTrue(Host.isRoot(), "needs root: cgroups");
    assumeTrue(Files.isRegularFile(MEMORY.resolve(V2 ? "cgroup.controllers" : LIMIT)),
        "needs the cgroup v1 memory hierarchy at " + MEMORY + " or the v2 hierarchy at " + HIERARCHY);
    corral = EmbeddedContainerizer.start("update", "filesystem/posix,cgroups/cpu,cgroups/mem", c -> c);
  }

  @AfterEach
  void stop() {
    if (corral != null) {
      corral.close();
    }
  }

  @Test
  void limitsAreRaisedAndLoweredForRealAndALimitBelowUsageIsRefused() {
    // tail keeps its newline-free input in memory: about 40 MB, held until it is killed.
    launch("u", "(head -c 41943040 /dev/zero; exec sleep 1000) | tail", 64);
    Path cgroup = MEMORY.resolve(corral.cgroups().root()).resolve("u");
    assertEquals(64L << 20, number(cgroup.resolve(LIMIT)));
    Eventually.await(REPLY, () -> number(cgroup.resolve(USAGE)) > 40L << 20,
        () -> "40 MB in use: " + number(cgroup.resolve(USAGE)));

    assertEquals(new Containerizer.Updated(id("u")), update("u", 64, 256));
    assertEquals(256L << 20, number(cgroup.resolve(LIMIT)), "raised");
    assertEquals(new Containerizer.Updated(id("u")), update("u", 64, 96));
    assertEquals(96L << 20, number(cgroup.resolve(LIMIT)), "lowered above the usage");

    Containerizer.Rejected refused = assertInstanceOf(Containerizer.Rejected.class, update("u", 32, 32));
    ContainerError.IsolatorFailed failed = assertInstanceOf(ContainerError.IsolatorFailed.class, refused.error());
    assertEquals("cgroups/mem", failed.isolator());
    assertEquals(Phase.UPDATE, failed.phase());
    assertTrue(failed.message().contains("is above the new limit (32MB)"), failed.message());
    assertEquals(96L << 20, number(cgroup.resolve(LIMIT)), "unchanged by the refusal");

    TestProbe<Containerizer.Containers> lists = corral.kit().createTestProbe();
    corral.ref().tell(new Containerizer.GetContainers(lists.ref()));
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
    corral.launch(request);
    ResourceStatistics before = usage("l");
    assertEquals(0.5, before.getCpusSoftLimit(), before.toString());
    assertEquals(64L << 20, before.getMemLimitBytes(), before.toString());
    assertFalse(before.hasCpusLimit(), before.toString());

    assertEquals(new Containerizer.Updated(id("l")), corral.update("l",
        List.of(scalar("cpus", 1), scalar("mem", 96)), Map.of("cpus", 2.0, "mem", 128.0)));

    Path cpu = CPU.resolve(corral.cgroups().root()).resolve("l");
    Path memory = MEMORY.resolve(corral.cgroups().root()).resolve("l");
    if (V2) {
      assertEquals(CpuController.weight(1024), number(cpu.resolve("cpu.weight")));
      assertEquals("200000 100000", read(cpu.resolve("cpu.max")));
    } else {
      assertEquals(1024, number(cpu.resolve("cpu.shares")));
      assertEquals(2 * number(cpu.resolve("cpu.cfs_period_us")), number(cpu.resolve("cpu.cfs_quota_us")));
    }
    assertEquals(128L << 20, number(memory.resolve(LIMIT)));
    assertEquals(96L << 20, number(memory.resolve(V2 ? "memory.low" : "memory.soft_limit_in_bytes")));
    ResourceStatistics after = usage("l");
    assertEquals(1.0, after.getCpusSoftLimit(), after.toString());
    assertEquals(2.0, after.getCpusLimit(), after.toString());
    assertEquals(96L << 20, after.getMemSoftLimitBytes(), after.toString());
    assertEquals(128L << 20, after.getMemLimitBytes(), after.toString());
    assertEquals(9, killAndWait("l"));
  }

  /** v1: the low vmpressure level; v2: memory.events' max count (reclaim at the limit). */
  @Test
  void aPressureCounterRisesUnderRealMemoryPressure() {
    assumeTrue(V2 || Files.exists(MEMORY.resolve("memory.pressure_level")),
        "needs memory.pressure_level (the v1 memory controller's vmpressure events)");
    // 256 MB of page cache through a 32 MB cgroup: the kernel reclaims it over and over.
    launch("p", "dd if=/dev/zero of=big bs=1M count=256 status=none; "
        + "while :; do cat big > /dev/null; done", 32);
    Eventually.await(Duration.ofSeconds(60), () -> (V2 ? usage("p").getMemCriticalPressureCounter()
        : usage("p").getMemLowPressureCounter()) > 0, () -> "a pressure event: " + usage("p"));
    ResourceStatistics statistics = usage("p");
    assertTrue(statistics.hasMemMediumPressureCounter() && statistics.hasMemCriticalPressureCounter(),
        statistics.toString());
    assertEquals(9, killAndWait("p"));
  }

  private void launch(String id, String command, double mem) {
    corral.launch(id, command, mem);
  }

  private Containerizer.UpdateReply update(String id, double request, double limit) {
    return corral.update(id, List.of(scalar("mem", request)), Map.of("mem", limit));
  }

  private ResourceStatistics usage(String id) {
    return corral.usage(id);
  }

  private int killAndWait(String id) {
    return corral.killAndWait(id);
  }

  private static long number(Path file) {
    try {
      return Long.parseLong(Files.readString(file).trim());
    } catch (IOException e) {
      return -1;
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file).trim();
    } catch (IOException e) {
      return "";
    }
  }
}
