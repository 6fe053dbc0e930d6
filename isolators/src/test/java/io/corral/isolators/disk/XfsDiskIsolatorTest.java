package io.corral.isolators.disk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.isolators.ContainerContext;
import io.corral.isolators.IsolatorException;
import io.corral.isolators.Limitation;
import io.corral.posix.Errno;
import io.corral.posix.LinuxException;
import io.corral.posix.Quotas;
import io.corral.posix.testing.FakeLinux;
import io.corral.proto.v1.CommandInfo;
import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.Resource;
import io.corral.proto.v1.ResourceStatistics;
import io.corral.proto.v1.TaskStatus;
import io.corral.proto.v1.Value;
import io.corral.proto.v1.agent.Call;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The quota policy of {@code disk/xfs} against {@link FakeLinux}: ids, limits from the
 * {@code disk} resource, ENOSPC at the limit, usage, the kill check, cleanup, scans and every failure path.
 */
class XfsDiskIsolatorTest {
  private static final Path DEVICE = Path.of("/dev/loop77");
  private static final long MB = 1 << 20;

  @TempDir Path work;
  private FakeLinux fake;
  private Quotas quotas;

  @BeforeEach
  void xfsWorkDir() {
    fake = new FakeLinux().xfs(work, DEVICE, "rw,relatime,attr2,inode64,logbufs=8,prjquota");
    quotas = fake.linux().quotas();
  }

  private XfsDiskIsolator isolator(boolean kill, String range) {
    return new XfsDiskIsolator(quotas, new XfsConfig(work, ProjectRange.parse(range), kill,
        Duration.ofMillis(500)));
  }

  private XfsDiskIsolator isolator(boolean kill) {
    return isolator(kill, ProjectRange.DEFAULT);
  }

  private ContainerContext container(String id, double diskMb) throws IOException {
    Path sandbox = Files.createDirectories(work.resolve("containers").resolve(id));
    ContainerID cid = ContainerID.newBuilder().setValue(id).build();
    Call.LaunchContainer.Builder launch = Call.LaunchContainer.newBuilder().setContainerId(cid)
        .setCommand(CommandInfo.newBuilder().setValue("true"));
    if (diskMb > 0) {
      launch.addResources(disk(diskMb));
    }
    return new ContainerContext(cid, launch.build(), sandbox, work.resolve("runtime").resolve(id));
  }

  private static Resource disk(double mb) {
    return Resource.newBuilder().setName("disk").setType(Value.Type.SCALAR)
        .setScalar(Value.Scalar.newBuilder().setValue(mb)).build();
  }

  private List<String> limitCalls() {
    return fake.calls().stream().filter(c -> c.startsWith("quotactl Q_XSETQLIM")).toList();
  }

  @Test
  void prepareGivesTheLowestFreeIdWithInheritToTheSandboxAndItsContents() throws IOException {
    XfsDiskIsolator xfs = isolator(false);
    ContainerContext a = container("a", 10);
    Path existing = Files.writeString(Files.createDirectory(a.sandbox().resolve("sub")).resolve("f"), "x");
    xfs.prepare(a);
    assertEquals(new Quotas.Project(5000, true), quotas.project(a.sandbox()));
    assertEquals(new Quotas.Project(5000, true), quotas.project(existing.getParent()));
    assertEquals(new Quotas.Project(5000, false), quotas.project(existing));
    assertTrue(fake.calls().contains("ioctl FS_IOC_FSSETXATTR path='" + existing + "' projid=5000"),
        fake.calls().toString());
    ContainerContext b = container("b", 1);
    xfs.prepare(b);
    assertEquals(5001, quotas.project(b.sandbox()).id());
  }

  @Test
  void theDiskResourceIsTheSoftAndHardLimitSoWritesPastItFailWithEdquot() throws IOException {
    XfsDiskIsolator xfs = isolator(false);
    ContainerContext a = container("a", 2);
    xfs.prepare(a);
    assertEquals(List.of("quotactl Q_XSETQLIM special='/dev/loop77' id=5000 soft=2097152 hard=2097152"),
        limitCalls());
    fake.charge(a.sandbox().resolve("f"), MB);
    LinuxException full = assertThrows(LinuxException.class,
        () -> fake.charge(a.sandbox().resolve("g"), 2 * MB));
    assertEquals(Errno.ENOSPC, full.errno());
    // Without --xfs_kill_containers the container is not destroyed: writes just fail.
    CompletableFuture<Limitation> watch = xfs.watch(a).toCompletableFuture();
    xfs.checkLimits();
    assertFalse(watch.isDone());
  }

  @Test
  void usageReportsTheRequestAndTheProjectsBlocks() throws IOException {
    XfsDiskIsolator xfs = isolator(false);
    ContainerContext a = container("a", 3);
    xfs.prepare(a);
    ResourceStatistics.Builder before = ResourceStatistics.newBuilder();
    xfs.usage(a, before);
    assertEquals(3 * MB, before.getDiskLimitBytes());
    assertEquals(0, before.getDiskUsedBytes());
    fake.charge(a.sandbox().resolve("f"), 1000);
    ResourceStatistics.Builder after = ResourceStatistics.newBuilder();
    xfs.usage(a, after);
    assertEquals(1024, after.getDiskUsedBytes());
  }

  @Test
  void withoutADiskResourceUsageIsAccountedButNothingLimited() throws IOException {
    XfsDiskIsolator xfs = isolator(true);
    ContainerContext a = container("a", 0);
    xfs.prepare(a);
    assertEquals(List.of("quotactl Q_XSETQLIM special='/dev/loop77' id=5000 soft=0 hard=0"), limitCalls());
    fake.charge(a.sandbox().resolve("f"), 50 * MB);
    CompletableFuture<Limitation> watch = xfs.watch(a).toCompletableFuture();
    xfs.checkLimits();
    assertFalse(watch.isDone());
    ResourceStatistics.Builder stats = ResourceStatistics.newBuilder();
    xfs.usage(a, stats);
    assertFalse(stats.hasDiskLimitBytes());
    assertEquals(50 * MB, stats.getDiskUsedBytes());
  }

  @Test
  void killModeLeavesHeadroomAndTheCheckReportsTheDiskLimitation() throws IOException {
    XfsDiskIsolator xfs = isolator(true);
    ContainerContext a = container("a", 1);
    xfs.prepare(a);
    assertEquals(List.of("quotactl Q_XSETQLIM special='/dev/loop77' id=5000 soft=1048576 hard="
        + (11 * MB)), limitCalls());
    CompletableFuture<Limitation> watch = xfs.watch(a).toCompletableFuture();
    fake.charge(a.sandbox().resolve("f"), MB);
    xfs.checkLimits();
    assertFalse(watch.isDone(), "at the quota is not above it");
    fake.charge(a.sandbox().resolve("g"), 2 * MB);
    xfs.checkLimits();
    Limitation limitation = watch.join();
    assertEquals(TaskStatus.Reason.REASON_CONTAINER_LIMITATION_DISK, limitation.reason());
    assertEquals("Disk usage (3MB) exceeded quota (1MB)", limitation.message());
    assertEquals("disk", limitation.resources().get(0).getName());
    assertEquals(3.0, limitation.resources().get(0).getScalar().getValue());
  }

  @Test
  void aFailedUsageReadIsRetriedNotAReasonToKill() throws IOException {
    XfsDiskIsolator xfs = isolator(true);
    ContainerContext a = container("a", 1);
    xfs.prepare(a);
    CompletableFuture<Limitation> watch = xfs.watch(a).toCompletableFuture();
    fake.charge(a.sandbox().resolve("f"), 2 * MB);
    fake.failNext("quotactl Q_XGETQUOTA", Errno.EIO);
    xfs.checkLimits();
    assertFalse(watch.isDone());
    xfs.checkLimits();
    assertTrue(watch.isDone());
  }

  @Test
  void updateSetsTheNewDiskRequest() throws IOException {
    XfsDiskIsolator xfs = isolator(false);
    ContainerContext a = container("a", 1);
    xfs.prepare(a);
    xfs.update(a, List.of(disk(4)), Map.of());
    xfs.update(a, List.of(disk(4)), Map.of());
    assertEquals(2, limitCalls().size());
    assertTrue(limitCalls().get(1).endsWith("soft=4194304 hard=4194304"), limitCalls().toString());
  }

  @Test
  void cleanupClearsTheIdFromEveryFileRemovesTheLimitAndFreesIt() throws IOException {
    XfsDiskIsolator xfs = isolator(false);
    ContainerContext a = container("a", 1);
    xfs.prepare(a);
    Path file = Files.writeString(a.sandbox().resolve("f"), "x");
    quotas.setProject(file, 5000, false);
    xfs.cleanup(a);
    assertEquals(new Quotas.Project(0, false), quotas.project(a.sandbox()));
    assertEquals(new Quotas.Project(0, false), quotas.project(file));
    assertTrue(limitCalls().get(1).endsWith("id=5000 soft=0 hard=0"), limitCalls().toString());
    assertEquals(5001, xfs.freeProjectIds());
    ContainerContext b = container("b", 1);
    xfs.prepare(b);
    assertEquals(5000, quotas.project(b.sandbox()).id());
    xfs.cleanup(container("never-prepared", 1));
  }

  @Test
  void aFailedClearKeepsTheIdTakenAndCleanupCanBeRetried() throws IOException {
    XfsDiskIsolator xfs = isolator(false, "[5000-5000]");
    ContainerContext a = container("a", 1);
    xfs.prepare(a);
    fake.failNext("ioctl FS_IOC_FSSETXATTR", Errno.EIO);
    IsolatorException e = assertThrows(IsolatorException.class, () -> xfs.cleanup(a));
    assertTrue(e.getMessage().startsWith("Failed to clear project id 5000 from sandbox '"
        + a.sandbox() + "': ioctl FS_IOC_FSSETXATTR"), e.getMessage());
    assertEquals(0, xfs.freeProjectIds());
    xfs.cleanup(a);
    assertEquals(1, xfs.freeProjectIds());
  }

  @Test
  void idsCarriedByExistingSandboxesAreNeverReusedAlsoAfterARestart() throws IOException {
    ContainerContext old = container("old", 1);
    quotas.setProject(old.sandbox(), 5000, true);
    XfsDiskIsolator first = isolator(false);
    ContainerContext a = container("a", 1);
    first.prepare(a);
    assertEquals(5001, quotas.project(a.sandbox()).id());
    // A new agent (a new isolator) scans again: 5000 and 5001 are still carried.
    XfsDiskIsolator second = isolator(false);
    second.recover(List.of(a));
    ContainerContext b = container("b", 1);
    second.prepare(b);
    assertEquals(5002, quotas.project(b.sandbox()).id());
    // The recovered container is known: its cleanup frees its id.
    second.cleanup(a);
    assertEquals(0, quotas.project(a.sandbox()).id());
  }

  @Test
  void aRecoveredSandboxWithoutAnIdGetsOneAndItsQuota() throws IOException {
    ContainerContext old = container("old", 2);
    Path file = Files.writeString(old.sandbox().resolve("f"), "x");
    XfsDiskIsolator xfs = isolator(false);
    xfs.recover(List.of(old));
    assertEquals(new Quotas.Project(5000, true), quotas.project(old.sandbox()));
    assertEquals(5000, quotas.project(file).id());
    assertEquals(List.of("quotactl Q_XSETQLIM special='/dev/loop77' id=5000 soft=2097152"
        + " hard=2097152"), limitCalls());
    ResourceStatistics.Builder stats = ResourceStatistics.newBuilder();
    xfs.usage(old, stats);
    assertEquals(2 * MB, stats.getDiskLimitBytes());
  }

  @Test
  void anExhaustedRangeFailsThatLaunchOnlyAndDeletedSandboxesAreReclaimed() throws IOException {
    XfsDiskIsolator xfs = isolator(false, "[5000-5001]");
    xfs.prepare(container("a", 1));
    ContainerContext b = container("b", 1);
    xfs.prepare(b);
    ContainerContext c = container("c", 1);
    IsolatorException e = assertThrows(IsolatorException.class, () -> xfs.prepare(c));
    assertEquals("Failed to assign project ID, range exhausted", e.getMessage());
    assertEquals(0, quotas.project(c.sandbox()).id());
    // b's sandbox is gone (garbage-collected without a cleanup): its id comes back.
    Files.delete(b.sandbox());
    xfs.prepare(c);
    assertEquals(5001, quotas.project(c.sandbox()).id());
  }

  @Test
  void aRefusedQuotaUndoesTheIdAndNamesTheContainer() throws IOException {
    XfsDiskIsolator xfs = isolator(false);
    ContainerContext a = container("a", 1);
    fake.failNext("quotactl Q_XSETQLIM", Errno.EINVAL);
    IsolatorException e = assertThrows(IsolatorException.class, () -> xfs.prepare(a));
    assertEquals("Failed to set the disk quota of container 'a' (project 5000): quotactl Q_XSETQLIM"
        + " special='/dev/loop77' type=PRJQUOTA id=5000: EINVAL (Invalid argument)", e.getMessage());
    assertEquals(0, quotas.project(a.sandbox()).id());
    assertEquals(5001, xfs.freeProjectIds());
  }

  @Test
  void aRefusedProjectIdFailsPrepareAndLeavesNothingTaken() throws IOException {
    XfsDiskIsolator xfs = isolator(false);
    ContainerContext a = container("a", 1);
    fake.failNext("ioctl FS_IOC_FSSETXATTR", Errno.EPERM);
    LinuxException e = assertThrows(LinuxException.class, () -> xfs.prepare(a));
    assertEquals(Errno.EPERM, e.errno());
    assertEquals(5001, xfs.freeProjectIds());
    assertEquals(0, quotas.project(a.sandbox()).id());
    assertTrue(limitCalls().isEmpty());
  }
}
