package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.actors.Containerizer;
import io.corral.actors.ContainerizerSettings;
import io.corral.isolators.IsolationFlag;
import io.corral.isolators.IsolatorRegistry;
import io.corral.isolators.cgroups.CgroupsConfig;
import io.corral.isolators.disk.DuConfig;
import io.corral.it.support.Host;
import io.corral.posix.testing.TestDirectories;
import io.corral.posix.Linux;
import io.corral.proto.v1.CommandInfo;
import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.ContainerInfo;
import io.corral.proto.v1.Resource;
import io.corral.proto.v1.Value;
import io.corral.proto.v1.Volume;
import io.corral.proto.v1.agent.Call;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Load on an embedded containerizer with every isolator that has landed (all cgroups
 * controllers under this run's own root and the freezer launcher, capabilities, no-new-privs,
 * rlimits, ipc and pid namespaces, filesystem/shared, disk/du with a quota enforced):
 * 1000 launches back to back, then 200 at once, a random tenth of each killed mid-run. Every
 * launch, kill, wait and remove must be answered; afterwards no process, mount, cgroup or
 * directory of theirs is left, and the heap (after GC) is back near where it was after a
 * warm-up: removed containers cost nothing.
 */
@Tag("root")
class LoadIT {
  private static final Logger LOG = LoggerFactory.getLogger(LoadIT.class);
  private static final Duration REPLY = Duration.ofSeconds(60);
  private static final Path HIERARCHY = Path.of("/sys/fs/cgroup");
  /**
   * Every isolator that has landed, but for what excludes another or needs what this host lacks:
   * filesystem/shared (which excludes filesystem/posix) for a mount namespace per container,
   * disk/du (disk/xfs needs a work_dir on XFS with quotas, and is exclusive with it in spirit),
   * and posix/cpu and posix/mem (the cgroups ones measure the same, better).
   */
  private static final String ISOLATION = "filesystem/shared,posix/rlimits,cgroups/cpu,cgroups/mem,"
      + "cgroups/pids,cgroups/net_cls,linux/capabilities,linux/nnp,namespaces/ipc,namespaces/pid,disk/du";
  private static final int SEQUENTIAL = 1000;
  private static final int CONCURRENT = 200;
  private static final int WARM_UP = 50;
  /**
   * Heap growth allowed over the whole run, about 3.5KB per container launched and removed: far
   * less than one leaked container actor with its children, far more than GC noise (a run here
   * grows by about 0.4MB in all).
   */
  private static final long HEAP_SLACK = 4L << 20;

  /** Not under /tmp, where @TempDir is: each container's /tmp volume must not hide its sandbox. */
  private Path dir;

  @Test
  void thousandsOfLaunchesKillsAndRemovesAnswerEverythingAndLeaveNothing() throws IOException {
    assumeTrue(Host.isRoot(), "needs root: cgroups, namespaces");
    assumeTrue(Files.isRegularFile(HIERARCHY.resolve("memory/cgroup.procs")),
        "needs cgroup v1 hierarchies under " + HIERARCHY);
    dir = TestDirectories.notUnderTmp("it-load", "load");
    String root = "corral-load-" + UUID.randomUUID().toString().substring(0, 8);
    long seed = new Random().nextLong();
    LOG.info("Load run with cgroups root '{}' and seed {}", root, seed);
    Random random = new Random(seed);
    ActorTestKit kit = ActorTestKit.create("load");
    try {
      IsolatorRegistry.Options options = IsolatorRegistry.Options.defaults().withCgroups(
          CgroupsConfig.defaults().withRoot(HIERARCHY, root).withNetCls(0xAAAA, 1, 0xffff))
          // du every second (Mesos' default is 15secs): the disk watch runs during the load too.
          .withDu(new DuConfig(Duration.ofSeconds(1), true, 1, Duration.ofSeconds(30), "du"));
      ContainerizerSettings settings = ContainerizerSettings.forHost(Linux.nativeDefault(),
          dir.resolve("work"), dir.resolve("runtime"), IsolationFlag.parse(ISOLATION), options,
          dir.resolve("runtime/bin"), Duration.ofSeconds(60));
      ActorRef<Containerizer.Command> containerizer = kit.spawn(Containerizer.create(settings), "containerizer");
      Load load = new Load(kit, containerizer);

      for (int i = 0; i < WARM_UP; i++) {
        load.one("warm-" + i, random.nextInt(10) == 0);
      }
      Host.Snapshot before = Host.Snapshot.take();
      long heapBefore = settledHeap();

      for (int i = 0; i < SEQUENTIAL; i++) {
        load.one("seq-" + i, random.nextInt(10) == 0);
      }
      load.batch("par-", CONCURRENT, random);

      long heapAfter = settledHeap();
      Host.Snapshot after = Host.Snapshot.take();
      LOG.info("Heap after warm-up {} bytes, after {} launches {} bytes", heapBefore,
          SEQUENTIAL + CONCURRENT, heapAfter);
      assertEquals(SEQUENTIAL + CONCURRENT + WARM_UP, load.waited, "every WAIT answered");
      assertTrue(load.killed > 0, "some containers were killed mid-run");

      TestProbe<Containerizer.Containers> lists = kit.createTestProbe();
      containerizer.tell(new Containerizer.GetContainers(lists.ref()));
      assertEquals(List.of(), lists.expectMessageClass(Containerizer.Containers.class, REPLY).containers());
      assertEquals(List.of(), before.newProcesses(after).stream()
          .filter(p -> p.alive() && Host.belowThisJvm(after.processes(), p)).toList(), "processes left");
      assertEquals(Set.of(), Host.containerMounts(before.newMounts(after), dir), "mounts left");
      // Only this run's root: other tests on the host may create cgroups meanwhile.
      assertEquals(Set.of(), before.newCgroups(after).stream().filter(c -> c.contains("/" + root + "/"))
          .collect(java.util.stream.Collectors.toSet()), "cgroups left");
      for (String subsystem : List.of("cpu", "memory", "pids", "net_cls", "freezer")) {
        try (java.util.stream.Stream<Path> children = Files.list(HIERARCHY.resolve(subsystem).resolve(root))) {
          assertEquals(List.of(), children.filter(Files::isDirectory).toList(), subsystem + " cgroups under the root");
        }
      }
      assertEquals(Set.of(), Host.entries(dir.resolve("work").resolve("containers")), "sandboxes left");
      assertEquals(Set.of(), Host.entries(dir.resolve("runtime").resolve("containers")), "runtime dirs left");
      assertTrue(heapAfter - heapBefore < HEAP_SLACK, "heap grew from " + heapBefore + " to " + heapAfter
          + " bytes over " + (SEQUENTIAL + CONCURRENT) + " removed containers");
    } finally {
      kit.shutdownTestKit();
      io.corral.it.support.AgentProcess.removeCgroupsRoot(root);
    }
  }

  /**
   * Drives the containerizer and counts what it answered. Its probes are made once, so that the
   * test itself does not grow the heap with a probe actor per request.
   */
  private static final class Load {
    final ActorRef<Containerizer.Command> containerizer;
    final TestProbe<Containerizer.LaunchReply> launches;
    final TestProbe<Containerizer.KillReply> kills;
    final TestProbe<Containerizer.WaitReply> waits;
    final TestProbe<Containerizer.RemoveReply> removes;
    final TestProbe<Containerizer.UsageReply> usages;
    int waited;
    int killed;

    Load(ActorTestKit kit, ActorRef<Containerizer.Command> containerizer) {
      this.containerizer = containerizer;
      this.launches = kit.createTestProbe();
      this.kills = kit.createTestProbe();
      this.waits = kit.createTestProbe();
      this.removes = kit.createTestProbe();
      this.usages = kit.createTestProbe();
    }

    /** Launch, maybe kill, wait and remove one container. */
    void one(String id, boolean kill) {
      containerizer.tell(new Containerizer.Launch(request(id, kill ? "exec sleep 1000" : "true"), null, launches.ref()));
      Containerizer.LaunchReply reply = launches.expectMessageClass(Containerizer.LaunchReply.class, REPLY);
      assertInstanceOf(Containerizer.Launched.class, reply, () -> id + ": " + reply);
      if (kill) {
        kill(id);
      }
      int status = waitFor(id);
      assertEquals(kill ? 9 : 0, status, id);
      remove(id);
    }

    /** {@code count} launches at once, a random tenth of them killed while they run. */
    void batch(String prefix, int count, Random random) {
      Set<String> doomed = new HashSet<>();
      for (int i = 0; i < count; i++) {
        String id = prefix + i;
        boolean kill = random.nextInt(10) == 0;
        if (kill) {
          doomed.add(id);
        }
        containerizer.tell(new Containerizer.Launch(request(id, kill ? "exec sleep 1000" : "sleep 0.2"), null,
            launches.ref()));
      }
      Map<ContainerID, Containerizer.LaunchReply> replies = new HashMap<>();
      for (int i = 0; i < count; i++) {
        Containerizer.LaunchReply reply = launches.expectMessageClass(Containerizer.LaunchReply.class, REPLY);
        replies.put(((Containerizer.Launched) assertInstanceOf(Containerizer.Launched.class, reply, reply::toString)).id(), reply);
      }
      assertEquals(count, replies.size(), "one answer per launch");
      for (String id : doomed) {
        usage(id);
        kill(id);
      }
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        ids.add(prefix + i);
      }
      for (String id : ids) {
        assertEquals(doomed.contains(id) ? 9 : 0, waitFor(id), id);
      }
      for (String id : ids) {
        remove(id);
      }
    }

    /** Usage of a running container goes through every isolator's usage. */
    private void usage(String id) {
      containerizer.tell(new Containerizer.Usage(id(id), usages.ref()));
      Containerizer.UsageReply reply = usages.expectMessageClass(Containerizer.UsageReply.class, REPLY);
      Containerizer.Statistics statistics = assertInstanceOf(Containerizer.Statistics.class, reply, reply::toString);
      assertEquals(32L << 20, statistics.statistics().getMemLimitBytes(), id);
    }

    private void kill(String id) {
      containerizer.tell(new Containerizer.Kill(id(id), 9, kills.ref()));
      kills.expectMessage(REPLY, new Containerizer.Killed(id(id)));
      killed++;
    }

    private int waitFor(String id) {
      containerizer.tell(new Containerizer.Wait(id(id), waits.ref()));
      int status = waits.expectMessageClass(Containerizer.Terminated.class, REPLY).termination().getStatus();
      waited++;
      return status;
    }

    private void remove(String id) {
      containerizer.tell(new Containerizer.Remove(id(id), removes.ref()));
      removes.expectMessage(REPLY, new Containerizer.Removed(id(id)));
    }
  }

  /** The used heap after full collections, the least of a few readings. */
  private static long settledHeap() {
    long least = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      System.gc();
      least = Math.min(least, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return least;
  }

  private static Call.LaunchContainer request(String id, String command) {
    return Call.LaunchContainer.newBuilder()
        .setContainerId(id(id))
        .setCommand(CommandInfo.newBuilder().setValue(command))
        .addResources(scalar("cpus", 0.1))
        .addResources(scalar("mem", 32))
        .addResources(scalar("disk", 64))
        // A private /tmp in the sandbox: a bind mount in the container's own mount namespace.
        .setContainer(ContainerInfo.newBuilder().setType(ContainerInfo.Type.MESOS)
            .addVolumes(Volume.newBuilder().setContainerPath("/tmp").setHostPath("tmp").setMode(Volume.Mode.RW)))
        .build();
  }

  private static ContainerID id(String value) {
    return ContainerID.newBuilder().setValue(value).build();
  }

  private static Resource scalar(String name, double value) {
    return Resource.newBuilder().setName(name).setType(Value.Type.SCALAR)
        .setScalar(Value.Scalar.newBuilder().setValue(value)).build();
  }
}
