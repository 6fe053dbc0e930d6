package io.corral.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.isolators.IsolationFlag;
import io.corral.isolators.Isolator;
import io.corral.isolators.IsolatorRegistry;
import io.corral.isolators.cgroups.CgroupsConfig;
import io.corral.isolators.cgroups.CgroupsNetClsIsolator;
import io.corral.posix.Linux;
import io.corral.posix.launch.CorralInit;
import io.corral.posix.launch.PidNamespaceLauncher;
import io.corral.proto.v1.ContainerTermination;
import io.corral.proto.v1.ResourceStatistics;
import io.corral.proto.v1.TaskState;
import io.corral.proto.v1.TaskStatus;
import io.corral.proto.v1.Value;
import io.corral.proto.v1.agent.Call;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cgroups isolators on the real kernel through a real containerizer (corral-init, pid
 * namespaces): OOM reported with its statistics while a neighbour runs on, a fork bomb held at
 * pids.max, cpu time matching cpuacct, distinct net_cls classids in the status, and nothing left
 * under the agent's root after 100 launches. Each run uses its own {@code --cgroups_root}.
 */
@Tag("root")
@ExtendWith(LogCapturingExtension.class)
class CgroupsContainerIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final Path HIERARCHY = Path.of("/sys/fs/cgroup");
  private static final List<String> SUBSYSTEMS = List.of("cpu", "cpuacct", "memory", "pids", "net_cls");
  private static final String ROOT = "corral-it-" + UUID.randomUUID().toString().substring(0, 8);

  @TempDir static Path temp;
  private static ActorTestKit kit;
  private static ActorRef<Containerizer.Command> containerizer;
  private static List<Isolator> isolators;

  @BeforeAll
  static void start() {
    assumeTrue("root".equals(System.getProperty("user.name")), "needs root: cgroups, namespaces");
    assumeTrue(Files.isRegularFile(HIERARCHY.resolve("memory/cgroup.procs")),
        "needs cgroup v1 hierarchies under " + HIERARCHY);
    kit = ActorTestKit.create(Fixture.config());
    Linux linux = Linux.nativeDefault();
    IsolatorRegistry.Options options = IsolatorRegistry.Options.defaults().withCgroups(
        CgroupsConfig.defaults().withRoot(HIERARCHY, ROOT).withNetCls(0xAAAA, 1, 0xffff));
    isolators = IsolatorRegistry.create(IsolationFlag.parse("filesystem/posix,cgroups/cpu,"
        + "cgroups/mem,cgroups/pids,cgroups/net_cls,namespaces/pid"), linux, options);
    Path runtime = temp.resolve("run");
    PidNamespaceLauncher launcher = new PidNamespaceLauncher(
        CorralInit.install(runtime.resolve("bin")), linux.processes(), linux.proc());
    containerizer = kit.spawn(Containerizer.create(new ContainerizerSettings(temp.resolve("work"),
        runtime, isolators, launcher, linux, Duration.ofSeconds(30))));
  }

  @AfterAll
  static void stop() throws IOException {
    if (kit == null) {
      return;
    }
    kit.shutdownTestKit();
    for (String subsystem : SUBSYSTEMS) {
      // The agent's root is left for the next agent, as Mesos does; a test run removes its own.
      Files.deleteIfExists(HIERARCHY.resolve(subsystem).resolve(ROOT));
    }
    // On a host with systemd's hybrid layout the containers' cgroups for pressure are there.
    Files.deleteIfExists(HIERARCHY.resolve("unified").resolve(ROOT));
  }

  @Test
  void anOomKillsOnlyTheContainerOverItsLimitAndReportsIt() {
    launch("oom-hog", "head -c 300m /dev/zero | tail", Map.of("mem", 64.0), Map.of());
    launch("oom-neighbour", "sleep 600", Map.of("mem", 64.0), Map.of());
    ContainerTermination termination = waitFor("oom-hog");
    assertEquals(TaskState.TASK_FAILED, termination.getState());
    assertEquals(TaskStatus.Reason.REASON_CONTAINER_LIMITATION_MEMORY, termination.getReason());
    assertEquals("mem", termination.getLimitedResources(0).getName());
    assertTrue(termination.getMessage().startsWith(
        "Memory limit exceeded: Requested: 64MB Maximum Used: 64MB\n\nMEMORY STATISTICS: \n"),
        termination.getMessage());
    assertTrue(termination.getMessage().contains("hierarchical_memory_limit 67108864"),
        termination.getMessage());
    assertEquals(ContainerState.RUNNING, state("oom-neighbour"));
    ResourceStatistics neighbour = usage("oom-neighbour");
    long kernelBytes = Long.parseLong(read(HIERARCHY.resolve("memory").resolve(ROOT)
        .resolve("oom-neighbour/memory.usage_in_bytes")));
    assertTrue(neighbour.getMemTotalBytes() > 0, neighbour.toString());
    assertTrue(Math.abs(neighbour.getMemTotalBytes() - kernelBytes) < (1L << 20),
        "reported " + neighbour.getMemTotalBytes() + " kernel " + kernelBytes);
    assertEquals(64L << 20, neighbour.getMemLimitBytes());
    remove("oom-hog");
    killAndRemove("oom-neighbour");
  }

  @Test
  void aForkBombStopsAtPidsMaxAndTheAgentAndNeighbourCarryOn() throws IOException {
    // The subshell starts the bomb and returns; the command then becomes sleep (exec: no fork).
    launch("bomb", "(bomb() { bomb | bomb & }; bomb) 2>/dev/null; exec sleep 600",
        Map.of("pids", 32.0), Map.of());
    launch("bomb-neighbour", "sleep 600", Map.of(), Map.of());
    Path bomb = HIERARCHY.resolve("pids").resolve(ROOT).resolve("bomb");
    poll("the fork bomb to hit pids.max", () -> counter(bomb.resolve("pids.events"), "max") > 0);
    assertTrue(Long.parseLong(read(bomb.resolve("pids.current"))) <= 32);
    assertEquals("32", read(bomb.resolve("pids.max")));
    assertEquals(ContainerState.RUNNING, state("bomb-neighbour"));
    ResourceStatistics stats = usage("bomb");
    assertTrue(stats.getThreads() > 1 && stats.getThreads() <= 32, stats.toString());
    killAndRemove("bomb");
    assertFalse(Files.exists(bomb), "the bomb's cgroup is removed");
    killAndRemove("bomb-neighbour");
  }

  @Test
  void cpuTimeIsWhatCpuacctCounts() throws IOException {
    // burns 2 s of cpu whatever the load (RLIMIT_CPU ends it), not 3 s of wall time
    launch("burn", "sh -c 'ulimit -t 2; while :; do :; done'; sleep 600",
        Map.of("cpus", 1.0), Map.of());
    Path cpuacct = HIERARCHY.resolve("cpuacct").resolve(ROOT).resolve("burn");
    poll("1 s of cpu", () -> cpuSeconds(usage("burn")) >= 1.0);
    double reported = cpuSeconds(usage("burn"));
    double kernelSeconds = Long.parseLong(read(cpuacct.resolve("cpuacct.usage"))) / 1e9;
    assertTrue(Math.abs(reported - kernelSeconds) < 0.25,
        "reported " + reported + " s, cpuacct.usage " + kernelSeconds + " s");
    assertEquals("1024", read(HIERARCHY.resolve("cpu").resolve(ROOT).resolve("burn/cpu.shares")));
    killAndRemove("burn");
  }

  @Test
  void twoContainersGetDistinctClassidsInTheirStatus() throws IOException {
    launch("cls-1", "sleep 600", Map.of(), Map.of());
    launch("cls-2", "sleep 600", Map.of(), Map.of());
    long first = classid("cls-1");
    long second = classid("cls-2");
    assertNotEquals(first, second);
    assertEquals(0xAAAAL, first >>> 16);
    assertEquals(0xAAAAL, second >>> 16);
    assertEquals(Long.toString(first),
        read(HIERARCHY.resolve("net_cls").resolve(ROOT).resolve("cls-1/net_cls.classid")));
    killAndRemove("cls-1");
    killAndRemove("cls-2");
  }

  @Test
  void aHundredLaunchesLeaveNoCgroupAndNoHandle() throws IOException {
    for (int i = 0; i < 100; i++) {
      String id = "many-" + i;
      launch(id, "true", Map.of("mem", 32.0, "cpus", 0.1, "pids", 16.0), Map.of());
      assertEquals(0, waitFor(id).getStatus());
      remove(id);
    }
    poll("no cgroup of these containers", () -> SUBSYSTEMS.stream().allMatch(s ->
        children(s).stream().noneMatch(c -> c.getFileName().toString().startsWith("many-"))));
    CgroupsNetClsIsolator netCls = isolators.stream()
        .filter(CgroupsNetClsIsolator.class::isInstance).map(CgroupsNetClsIsolator.class::cast)
        .findFirst().orElseThrow();
    // Every handle still held belongs to a container of another test that is still around.
    assertEquals(children("net_cls").size(), netCls.handlesInUse());
  }

  // ---- helpers ----

  private static List<Path> children(String subsystem) {
    Path root = HIERARCHY.resolve(subsystem).resolve(ROOT);
    try (Stream<Path> entries = Files.list(root)) {
      return entries.filter(Files::isDirectory).toList();
    } catch (IOException e) {
      throw new AssertionError("cannot list '" + root + "'", e);
    }
  }

  private static void launch(String id, String command, Map<String, Double> requests,
      Map<String, Double> limits) {
    Call.LaunchContainer.Builder request = Fixture.request(id, command).toBuilder();
    requests.forEach((name, value) -> request.addResources(Fixture.scalar(name, value)));
    limits.forEach((name, value) -> request.putLimits(name,
        Value.Scalar.newBuilder().setValue(value).build()));
    TestProbe<Containerizer.LaunchReply> probe = kit.createTestProbe();
    containerizer.tell(new Containerizer.Launch(request.build(), null, probe.getRef()));
    assertInstanceOf(Containerizer.Launched.class,
        probe.expectMessageClass(Containerizer.LaunchReply.class, TIMEOUT));
  }

  private static ContainerTermination waitFor(String id) {
    TestProbe<Containerizer.WaitReply> probe = kit.createTestProbe();
    containerizer.tell(new Containerizer.Wait(Fixture.id(id), probe.getRef()));
    Containerizer.WaitReply reply = probe.expectMessageClass(Containerizer.WaitReply.class, TIMEOUT);
    return assertInstanceOf(Containerizer.Terminated.class, reply).termination();
  }

  private static void remove(String id) {
    TestProbe<Containerizer.RemoveReply> probe = kit.createTestProbe();
    containerizer.tell(new Containerizer.Remove(Fixture.id(id), probe.getRef()));
    assertInstanceOf(Containerizer.Removed.class,
        probe.expectMessageClass(Containerizer.RemoveReply.class, TIMEOUT));
  }

  private static void killAndRemove(String id) {
    TestProbe<Containerizer.KillReply> probe = kit.createTestProbe();
    containerizer.tell(new Containerizer.Kill(Fixture.id(id), 9, probe.getRef()));
    probe.expectMessageClass(Containerizer.KillReply.class, TIMEOUT);
    waitFor(id);
    remove(id);
  }

  private static Containerizer.ContainerSnapshot snapshot(String id) {
    TestProbe<Containerizer.Containers> probe = kit.createTestProbe();
    containerizer.tell(new Containerizer.GetContainers(probe.getRef()));
    return probe.expectMessageClass(Containerizer.Containers.class, TIMEOUT).containers().stream()
        .filter(c -> c.id().getValue().equals(id)).findFirst().orElseThrow();
  }

  private static ContainerState state(String id) {
    return snapshot(id).state();
  }

  private static long classid(String id) {
    return Integer.toUnsignedLong(snapshot(id).status().getCgroupInfo().getNetCls().getClassid());
  }

  private static ResourceStatistics usage(String id) {
    TestProbe<Containerizer.UsageReply> probe = kit.createTestProbe();
    containerizer.tell(new Containerizer.Usage(Fixture.id(id), probe.getRef()));
    return assertInstanceOf(Containerizer.Statistics.class,
        probe.expectMessageClass(Containerizer.UsageReply.class, TIMEOUT)).statistics();
  }

  private static double cpuSeconds(ResourceStatistics stats) {
    return stats.getCpusUserTimeSecs() + stats.getCpusSystemTimeSecs();
  }

  private static String read(Path file) {
    try {
      return Files.readString(file).trim();
    } catch (IOException e) {
      throw new AssertionError("cannot read '" + file + "'", e);
    }
  }

  private static long counter(Path file, String key) {
    for (String line : read(file).split("\n")) {
      String[] fields = line.trim().split("\\s+");
      if (fields.length == 2 && fields[0].equals(key)) {
        return Long.parseLong(fields[1]);
      }
    }
    return 0;
  }

  private static void poll(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + TIMEOUT + " waiting for " + what);
      }
      LockSupport.parkNanos(20_000_000);
    }
  }
}
