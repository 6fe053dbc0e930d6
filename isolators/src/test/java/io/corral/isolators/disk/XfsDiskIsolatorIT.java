package io.corral.isolators.disk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.isolators.ContainerContext;
import io.corral.isolators.Limitation;
import io.corral.posix.Linux;
import io.corral.posix.LinuxException;
import io.corral.posix.Quotas;
import io.corral.posix.testing.ScratchXfs;
import io.corral.posix.testing.TestDirectories;
import io.corral.proto.v1.CommandInfo;
import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.Resource;
import io.corral.proto.v1.ResourceStatistics;
import io.corral.proto.v1.TaskStatus;
import io.corral.proto.v1.Value;
import io.corral.proto.v1.agent.Call;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * disk/xfs on the real kernel: the start check on a directory that is not XFS and on XFS mounted
 * without quota (its refusal carries the kernel's answer), and — where the kernel has XFS quota —
 * the quota policy end to end: limit from the {@code disk} resource, ENOSPC, usage and the kill
 * check. Where the kernel has no XFS quota, the policy test is skipped naming the missing feature
 * and the kernel's answers. Root only.
 */
@Tag("root")
class XfsDiskIsolatorIT {
  private static Quotas quotas() {
    assumeTrue(Linux.nativeDefault().processes().geteuid() == 0,
        "needs root: makes a loop device and mounts XFS");
    return Linux.nativeDefault().quotas();
  }

  private static XfsConfig config(Path work, boolean kill) {
    return new XfsConfig(work, ProjectRange.parse(ProjectRange.DEFAULT), kill, Duration.ofMillis(500));
  }

  @Test
  void aWorkDirNotOnXfsIsRefused() throws IOException {
    Quotas quotas = quotas();
    Path work = TestDirectories.notUnderTmp("xfs-isolator", "work");
    String message = assertThrows(IllegalArgumentException.class,
        () -> new XfsDiskIsolator(quotas, config(work, false))).getMessage();
    assertTrue(message.startsWith("Failed to create isolator 'disk/xfs': '" + work
        + "' is not an XFS filesystem (statfs f_type 0x"), message);
  }

  @Test
  void xfsWithoutProjectQuotaIsRefusedWithTheKernelsAnswer() throws IOException {
    Quotas quotas = quotas();
    try (ScratchXfs xfs = ScratchXfs.mount("xfs-isolator", false)) {
      Path work = Files.createDirectories(xfs.mountPoint().resolve("work"));
      String message = assertThrows(IllegalArgumentException.class,
          () -> new XfsDiskIsolator(quotas, config(work, false))).getMessage();
      String answer;
      try {
        answer = "reports project quota accounting " + (quotas.quotaState(xfs.device()).accounting() ? "on" : "off");
      } catch (LinuxException e) {
        answer = "the kernel answers " + e.getMessage();
      }
      assertTrue(message.startsWith("Failed to create isolator 'disk/xfs': XFS project quotas are"
          + " not enabled on '" + work + "': '" + xfs.device() + "' is mounted on '"
          + xfs.mountPoint() + "' with '"), message);
      assertTrue(message.contains("without prjquota"), message);
      assertTrue(message.contains(answer), message + " should contain " + answer);
    }
  }

  @Test
  void theDiskResourceLimitsTheSandboxAndTheKillCheckSeesUsage() throws Exception {
    Quotas quotas = quotas();
    try (ScratchXfs xfs = ScratchXfs.mount("xfs-isolator", true)) {
      String missing = xfs.missingQuota(quotas);
      assumeTrue(missing == null, missing);
      Path work = Files.createDirectories(xfs.mountPoint().resolve("work"));
      XfsDiskIsolator isolator = new XfsDiskIsolator(quotas, config(work, true));
      Path sandbox = Files.createDirectories(work.resolve("containers/q"));
      ContainerID id = ContainerID.newBuilder().setValue("q").build();
      ContainerContext container = new ContainerContext(id, Call.LaunchContainer.newBuilder()
          .setContainerId(id).setCommand(CommandInfo.newBuilder().setValue("true"))
          .addResources(Resource.newBuilder().setName("disk").setType(Value.Type.SCALAR)
              .setScalar(Value.Scalar.newBuilder().setValue(1))).build(), sandbox, work.resolve("rt"));
      isolator.prepare(container);
      var watch = isolator.watch(container).toCompletableFuture();
      write(sandbox.resolve("f"), 3 << 20);
      ResourceStatistics.Builder stats = ResourceStatistics.newBuilder();
      isolator.usage(container, stats);
      assertEquals(1 << 20, stats.getDiskLimitBytes());
      assertTrue(stats.getDiskUsedBytes() >= 3 << 20, stats.toString());
      isolator.checkLimits();
      Limitation limitation = watch.getNow(null);
      assertEquals(TaskStatus.Reason.REASON_CONTAINER_LIMITATION_DISK, limitation.reason());
      // Past the headroom the kernel refuses the write.
      IOException full = assertThrows(IOException.class, () -> write(sandbox.resolve("g"), 20 << 20));
      assertTrue(full.getMessage().contains("No space left on device"), full.getMessage());
      isolator.cleanup(container);
      assertEquals(0, quotas.project(sandbox).id());
    }
  }


  private static void write(Path file, int bytes) throws IOException {
    try (FileOutputStream out = new FileOutputStream(file.toFile())) {
      out.write(new byte[bytes]);
      out.getFD().sync();
    }
  }
}
