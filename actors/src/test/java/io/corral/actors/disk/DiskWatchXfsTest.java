package io.corral.actors.disk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.actors.Fixture;
import io.corral.isolators.ContainerContext;
import io.corral.isolators.Limitation;
import io.corral.isolators.disk.ProjectRange;
import io.corral.isolators.disk.XfsConfig;
import io.corral.isolators.disk.XfsDiskIsolator;
import io.corral.posix.Errno;
import io.corral.posix.testing.FakeLinux;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code disk/xfs} kill check driven by the {@link DiskWatchActor} on manual time, against
 * {@link FakeLinux}'s XFS quotas: nothing before the first interval, a container over its quota
 * destroyed at the interval, the check repeated every interval (also after a failed quota read),
 * nothing at all without {@code --xfs_kill_containers}, and no check once the watcher stopped.
 */
class DiskWatchXfsTest {
  private static final ActorTestKit KIT = ActorTestKit.create(ManualTime.config().withFallback(Fixture.config()));
  private static final ManualTime TIME = ManualTime.get(KIT.system());
  private static final Duration INTERVAL = Duration.ofMillis(500);
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final long MB = 1 << 20;

  @TempDir Path work;
  private FakeLinux fake;
  private final TestProbe<Object> idle = KIT.createTestProbe();
  private final TestProbe<DiskWatchActor.Scheduled> scheduled = KIT.createTestProbe();

  /** Waits until the watcher has armed its next check. */
  private void armed() {
    DiskWatchActor.Scheduled next = scheduled.expectMessageClass(DiskWatchActor.Scheduled.class, WAIT);
    assertEquals(DiskWatchActor.XFS_CHECK, next.container());
    assertEquals(INTERVAL, next.delay());
  }

  @BeforeEach
  void xfs() {
    fake = new FakeLinux().xfs(work, Path.of("/dev/loop9"), "rw,relatime,prjquota");
  }

  @AfterAll
  static void shutdown() {
    KIT.shutdownTestKit();
  }

  private XfsDiskIsolator isolator(boolean kill) {
    return new XfsDiskIsolator(fake.linux().quotas(),
        new XfsConfig(work, ProjectRange.parse(ProjectRange.DEFAULT), kill, INTERVAL));
  }

  private ContainerContext prepared(XfsDiskIsolator xfs, String id, double diskMb) throws IOException {
    Path sandbox = Files.createDirectories(work.resolve("containers").resolve(id));
    ContainerContext c = new ContainerContext(Fixture.id(id),
        Fixture.request(id, "true").toBuilder().addResources(Fixture.scalar("disk", diskMb)).build(),
        sandbox, work.resolve("run-" + id));
    xfs.prepare(c);
    return c;
  }

  private long quotaReads() {
    return fake.calls().stream().filter(c -> c.startsWith("quotactl Q_XGETQUOTA")).count();
  }

  @Test
  void aContainerOverItsQuotaIsCaughtEveryIntervalUntilTheWatcherStops() throws Exception {
    XfsDiskIsolator xfs = isolator(true);
    ContainerContext a = prepared(xfs, "a", 1);
    ContainerContext b = prepared(xfs, "b", 1);
    CompletableFuture<Limitation> watchA = xfs.watch(a).toCompletableFuture();
    CompletableFuture<Limitation> watchB = xfs.watch(b).toCompletableFuture();
    fake.charge(a.sandbox().resolve("f"), 2 * MB);
    assertTrue(DiskWatchActor.needed(null, xfs));
    ActorRef<DiskWatchActor.Command> watcher = KIT.spawn(DiskWatchActor.create(null, xfs, scheduled.getRef()));
    armed();

    TIME.timePasses(INTERVAL.minusMillis(1));
    assertEquals(0, quotaReads(), "no check before the interval");
    TIME.timePasses(Duration.ofMillis(1));
    Limitation limitation = watchA.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertEquals(TaskStatus.Reason.REASON_CONTAINER_LIMITATION_DISK, limitation.reason());
    assertEquals("Disk usage (2MB) exceeded quota (1MB)", limitation.message());
    assertFalse(watchB.isDone(), "b is within its quota");

    // The next check comes one interval after the last ended, and a failed read does not stop it.
    armed();
    fake.charge(b.sandbox().resolve("f"), 3 * MB);
    fake.failNext("quotactl Q_XGETQUOTA", Errno.EIO);
    TIME.timePasses(INTERVAL);
    armed();
    assertFalse(watchB.isDone(), "a failed quota read is not a reason to kill");
    TIME.timePasses(INTERVAL);
    assertEquals("Disk usage (3MB) exceeded quota (1MB)", watchB.get(WAIT.toSeconds(), TimeUnit.SECONDS).message());

    KIT.stop(watcher);
    xfs.cleanup(a);
    ContainerContext c = prepared(xfs, "c", 1);
    CompletableFuture<Limitation> watchC = xfs.watch(c).toCompletableFuture();
    fake.charge(c.sandbox().resolve("f"), 2 * MB);
    long before = quotaReads();
    TIME.timePasses(INTERVAL.multipliedBy(4));
    idle.expectNoMessage(Duration.ofMillis(200));
    assertEquals(before, quotaReads(), "no check once the watcher stopped");
    assertFalse(watchC.isDone());
  }

  @Test
  void withoutKillContainersNothingIsChecked() throws Exception {
    XfsDiskIsolator xfs = isolator(false);
    ContainerContext a = prepared(xfs, "quiet", 1);
    CompletableFuture<Limitation> watch = xfs.watch(a).toCompletableFuture();
    fake.charge(a.sandbox().resolve("f"), MB);
    assertFalse(DiskWatchActor.needed(null, xfs), "the containerizer spawns no watcher for it");
    ActorRef<DiskWatchActor.Command> watcher = KIT.spawn(DiskWatchActor.create(null, xfs, scheduled.getRef()));

    TIME.timePasses(INTERVAL.multipliedBy(3));
    scheduled.expectNoMessage(Duration.ofMillis(200));

    assertEquals(0, quotaReads());
    assertFalse(watch.isDone(), "without --xfs_kill_containers writes past the quota fail with EDQUOT instead");
    KIT.stop(watcher);
  }
}
