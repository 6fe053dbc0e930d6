package io.corral.isolators.disk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.isolators.ContainerContext;
import io.corral.isolators.Limitation;
import io.corral.posix.du.DuException;
import io.corral.posix.testing.FakeDu;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The disk/du policy over a scripted {@code du} ({@link FakeDu}); no root, no real du. */
class DuDiskIsolatorTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(7);

  @TempDir Path temp;

  private final FakeDu du = new FakeDu();
  private final List<String> heard = new ArrayList<>();

  private DuDiskIsolator isolator(boolean enforce) throws IOException {
    Path mountinfo = Files.writeString(temp.resolve("mountinfo"), "");
    return isolator(enforce, mountinfo);
  }

  private DuDiskIsolator isolator(boolean enforce, Path mountinfo) {
    DuDiskIsolator isolator = new DuDiskIsolator(
        new DuConfig(Duration.ofMillis(200), enforce, 2, TIMEOUT, "du"), du, new MountPoints(mountinfo));
    isolator.listen(new DuDiskIsolator.Listener() {
      public void tracked(String container) {
        heard.add("tracked " + container);
      }

      public void untracked(String container) {
        heard.add("untracked " + container);
      }
    });
    return isolator;
  }

  private ContainerContext container(String id, double... diskMb) throws IOException {
    ContainerID cid = ContainerID.newBuilder().setValue(id).build();
    Call.LaunchContainer.Builder launch = Call.LaunchContainer.newBuilder().setContainerId(cid)
        .setCommand(CommandInfo.newBuilder().setValue("true"));
    launch.addResources(scalar("cpus", 1));
    for (double mb : diskMb) {
      launch.addResources(scalar("disk", mb));
    }
    return new ContainerContext(cid, launch.build(),
        Files.createDirectories(temp.resolve("containers").resolve(id)), temp.resolve("run").resolve(id));
  }

  private static Resource scalar(String name, double value) {
    return Resource.newBuilder().setName(name).setType(Value.Type.SCALAR)
        .setScalar(Value.Scalar.newBuilder().setValue(value)).build();
  }

  private static ResourceStatistics usage(DuDiskIsolator isolator, ContainerContext c) {
    ResourceStatistics.Builder statistics = ResourceStatistics.newBuilder();
    isolator.usage(c, statistics);
    return statistics.buildPartial();
  }

  @Test
  void aContainerWithoutDiskIsNotMeasured() throws IOException {
    DuDiskIsolator isolator = isolator(true);
    ContainerContext c = container("nodisk");
    isolator.isolate(c, 42);

    assertEquals(List.of(), heard);
    assertTrue(isolator.sample("nodisk").cancelled());
    assertEquals(ResourceStatistics.getDefaultInstance(), usage(isolator, c));
    assertEquals(List.of(), du.starts());
  }

  @Test
  void theLimitIsTheSumOfTheDiskResourcesAndUsageAppearsAfterTheFirstSample() throws IOException {
    DuDiskIsolator isolator = isolator(false);
    ContainerContext c = container("a", 1, 0.5);
    isolator.isolate(c, 42);
    assertEquals(List.of("tracked a"), heard);
    assertEquals(1536L * 1024, usage(isolator, c).getDiskLimitBytes());
    assertFalse(usage(isolator, c).hasDiskUsedBytes(), "no used bytes before the first sample");

    du.answer(300);
    DuDiskIsolator.Sample sample = isolator.sample("a");

    assertEquals(OptionalLong.of(300 * 1024), sample.usedBytes());
    assertEquals(1536L * 1024, sample.limitBytes());
    assertEquals(300L * 1024, usage(isolator, c).getDiskUsedBytes());
    assertEquals(c.sandbox().toRealPath(), du.starts().get(0).root());
    assertEquals(TIMEOUT, du.starts().get(0).run().awaitedWith());
  }

  @Test
  void withEnforcementASampleOverTheQuotaCompletesTheWatchAsMesosWordsIt() throws Exception {
    DuDiskIsolator isolator = isolator(true);
    ContainerContext c = container("big", 1);
    isolator.isolate(c, 42);
    CompletableFuture<Limitation> watch = isolator.watch(c).toCompletableFuture();

    du.answer(1024).answer(2048);
    isolator.sample("big");
    assertFalse(watch.isDone(), "at the quota is not above it");
    isolator.sample("big");

    Limitation limitation = watch.get(1, TimeUnit.SECONDS);
    assertEquals("Disk usage (2MB) exceeds quota (1MB)", limitation.message());
    assertEquals(TaskStatus.Reason.REASON_CONTAINER_LIMITATION_DISK, limitation.reason());
    assertEquals(List.of(scalar("disk", 1)), limitation.resources());
  }

  @Test
  void withoutEnforcementUsageAboveTheQuotaIsOnlyReported() throws Exception {
    DuDiskIsolator isolator = isolator(false);
    ContainerContext c = container("big", 1);
    isolator.isolate(c, 42);
    CompletableFuture<Limitation> watch = isolator.watch(c).toCompletableFuture();

    du.answer(4096);
    isolator.sample("big");

    assertFalse(watch.isDone());
    assertEquals(4L << 20, usage(isolator, c).getDiskUsedBytes());
    assertEquals(1L << 20, usage(isolator, c).getDiskLimitBytes());
  }

  @Test
  void aFailedOrTimedOutRunKeepsTheLastGoodSampleAndKillsNothing() throws Exception {
    DuDiskIsolator isolator = isolator(true);
    ContainerContext c = container("flaky", 1);
    isolator.isolate(c, 42);
    CompletableFuture<Limitation> watch = isolator.watch(c).toCompletableFuture();
    du.answer(100).fail(DuException.Kind.FAILED, "Failed to measure disk usage of 'x': boom")
        .fail(DuException.Kind.TIMED_OUT, "Failed to measure disk usage of 'x': too slow");

    isolator.sample("flaky");
    DuDiskIsolator.Sample failed = isolator.sample("flaky");
    DuDiskIsolator.Sample timedOut = isolator.sample("flaky");

    assertEquals("Failed to measure disk usage of 'x': boom", failed.failure().orElseThrow());
    assertEquals("Failed to measure disk usage of 'x': too slow", timedOut.failure().orElseThrow());
    assertEquals(OptionalLong.of(100 * 1024), timedOut.lastUsedBytes());
    assertEquals(100L * 1024, usage(isolator, c).getDiskUsedBytes());
    assertFalse(watch.isDone());
  }

  @Test
  void aMissingSandboxIsAFailedSampleNotACrash() throws IOException {
    DuDiskIsolator isolator = isolator(true);
    ContainerContext c = container("vanished", 1);
    isolator.isolate(c, 42);
    Files.delete(c.sandbox());

    DuDiskIsolator.Sample sample = isolator.sample("vanished");

    assertEquals("Failed to measure disk usage of '" + c.sandbox() + "': the sandbox does not exist",
        sample.failure().orElseThrow());
    assertEquals(List.of(), du.starts());
  }

  @Test
  void cleanupKillsARunningDuAtOnceAndTheSampleIsCancelled() throws Exception {
    DuDiskIsolator isolator = isolator(true);
    ContainerContext c = container("doomed", 1);
    isolator.isolate(c, 42);
    du.hang();
    CompletableFuture<DuDiskIsolator.Sample> sample = CompletableFuture.supplyAsync(() -> isolator.sample("doomed"));
    FakeDu.Started started = du.nextStart(Duration.ofSeconds(10));

    isolator.cleanup(c);

    assertTrue(started.run().killed());
    assertEquals(0, du.live());
    assertTrue(sample.get(10, TimeUnit.SECONDS).cancelled());
    assertEquals(List.of("tracked doomed", "untracked doomed"), heard);
    assertEquals(ResourceStatistics.getDefaultInstance(), usage(isolator, c));
    assertTrue(isolator.sample("doomed").cancelled(), "no du for a container cleaned up");
    assertEquals(1, du.starts().size());
  }

  @Test
  void mountPointsUnderTheSandboxAreExcluded() throws IOException {
    ContainerContext c = container("vols", 1);
    Path sandbox = c.sandbox().toRealPath();
    Path mountinfo = Files.writeString(temp.resolve("mountinfo.vols"), String.join("\n",
        "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw",
        "90 22 8:1 /srv/data " + sandbox.resolve("vol") + " rw,relatime shared:1 - ext4 /dev/sda1 rw",
        "91 22 0:50 / " + sandbox.resolve("with\\040space") + " rw - tmpfs tmpfs rw",
        "92 22 0:51 / " + sandbox + "-other rw - tmpfs tmpfs rw",
        "93 22 0:52 / " + sandbox + " rw - tmpfs tmpfs rw", ""));
    DuDiskIsolator isolator = isolator(false, mountinfo);
    isolator.isolate(c, 42);

    isolator.sample("vols");

    assertEquals(List.of(sandbox.resolve("vol"), sandbox.resolve("with space")),
        du.starts().get(0).excludes());
  }

  @Test
  void aRunDuringWhichTheMountsUnderTheSandboxChangedIsDiscarded() throws IOException {
    ContainerContext c = container("racy", 1);
    Path mountinfo = Files.writeString(temp.resolve("mountinfo.racy"), "");
    String mounted = "90 22 8:1 /srv " + c.sandbox().toRealPath().resolve("vol") + " rw - ext4 /dev/sda1 rw\n";
    io.corral.posix.du.Du mountingDu = (root, excludes) -> new io.corral.posix.du.Du.Run() {
      public long await(Duration timeout) {
        try {
          Files.writeString(mountinfo, mounted);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
        return 4096;
      }

      public void kill() {}
    };
    DuDiskIsolator isolator = new DuDiskIsolator(
        new DuConfig(Duration.ofMillis(200), true, 1, TIMEOUT, "du"), mountingDu, new MountPoints(mountinfo));
    isolator.isolate(c, 42);

    DuDiskIsolator.Sample sample = isolator.sample("racy");

    assertEquals("Failed to measure disk usage of '" + c.sandbox() + "': the mounts under it changed"
        + " during the run", sample.failure().orElseThrow());
    assertFalse(usage(isolator, c).hasDiskUsedBytes());
    assertFalse(isolator.watch(c).toCompletableFuture().isDone(), "no limitation from a racy run");
  }

  @Test
  void updateStartsAndStopsMeasuringAndChangesTheQuota() throws IOException {
    DuDiskIsolator isolator = isolator(false);
    ContainerContext c = container("grow");
    isolator.isolate(c, 42);
    isolator.update(c, List.of(scalar("disk", 2)), Map.of());
    assertEquals(2L << 20, usage(isolator, c).getDiskLimitBytes());
    isolator.update(c, List.of(scalar("disk", 3)), Map.of());
    assertEquals(3L << 20, usage(isolator, c).getDiskLimitBytes());
    isolator.update(c, List.of(scalar("cpus", 1)), Map.of());
    assertEquals(List.of("tracked grow", "untracked grow"), heard);
    assertFalse(usage(isolator, c).hasDiskLimitBytes());
  }

  @Test
  void recoveredContainersAreMeasuredAgain() throws IOException {
    DuDiskIsolator isolator = isolator(false);
    isolator.recover(List.of(container("old", 1), container("nodisk")));
    assertEquals(List.of("tracked old"), heard);
  }

  @Test
  void sizesAreWrittenAsStoutWritesBytes() {
    assertEquals("0B", DuDiskIsolator.format(0));
    assertEquals("1023B", DuDiskIsolator.format(1023));
    assertEquals("1KB", DuDiskIsolator.format(1024));
    assertEquals("1536KB", DuDiskIsolator.format(1536 * 1024));
    assertEquals("2MB", DuDiskIsolator.format(2L << 20));
    assertEquals("3GB", DuDiskIsolator.format(3L << 30));
    assertEquals("5TB", DuDiskIsolator.format(5L << 40));
    assertEquals("2048TB", DuDiskIsolator.format(2048L << 40));
  }
}
