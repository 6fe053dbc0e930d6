package io.corral.isolators.filesystem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.isolators.ContainerContext;
import io.corral.isolators.Contexts;
import io.corral.isolators.IsolatorException;
import io.corral.isolators.namespaces.IpcNamespaceIsolator;
import io.corral.isolators.namespaces.PidNamespaceIsolator;
import io.corral.proto.v1.ContainerInfo;
import io.corral.proto.v1.ImageConfig;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.LinuxInfo;
import io.corral.proto.v1.Mount;
import io.corral.proto.v1.Namespace;
import io.corral.proto.v1.ProvisionedRootfs;
import io.corral.proto.v1.Volume;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link LinuxFilesystemIsolator}'s fragments, with and without an image. */
class LinuxFilesystemIsolatorTest {
  @TempDir static Path dir;
  private static String rootfsPath;
  private final LinuxFilesystemIsolator isolator = new LinuxFilesystemIsolator();

  @BeforeAll
  static void rootfs() throws IOException {
    rootfsPath = Files.createDirectories(dir.resolve("rootfs")).toRealPath().toString();
  }

  private static ContainerContext image(ContainerInfo info, ImageConfig config) {
    return Contexts.of("c1", info).withRootfs(ProvisionedRootfs.newBuilder().setRootfs(rootfsPath)
        .setConfig(config).build());
  }

  private static ContainerContext image() {
    return image(ContainerInfo.newBuilder().setType(ContainerInfo.Type.MESOS).build(),
        ImageConfig.getDefaultInstance());
  }

  private static List<String> targets(LaunchPlan plan) {
    return plan.getMountsList().stream().map(Mount::getTarget).toList();
  }

  @Test
  void withoutAnImageTheHostRootStaysInAPrivateMountNamespace() {
    LaunchPlan plan = isolator.prepare(Contexts.of("c1"));
    assertEquals(List.of(Namespace.MOUNT), plan.getCloneNamespacesList());
    assertEquals(0, plan.getMountsCount());
    assertFalse(plan.hasRootfs());
    assertEquals("/work/containers/c1", plan.getWorkingDirectory());
    assertEquals(List.of("MESOS_SANDBOX=/work/containers/c1"), plan.getEnvironmentList());
  }

  @Test
  void anImageGetsItsRootfsMountsInMesosOrderAndTheSandbox() {
    LaunchPlan plan = isolator.prepare(image());
    List<String> targets = targets(plan);
    assertEquals(rootfsPath, targets.get(0), "the rootfs bound onto itself first");
    assertEquals(rootfsPath + "/proc", targets.get(1));
    assertTrue(targets.indexOf(rootfsPath + "/sys") < targets.indexOf(rootfsPath + "/sys/fs/cgroup"));
    assertTrue(targets.indexOf(rootfsPath + "/dev") < targets.indexOf(rootfsPath + "/dev/null"));
    assertTrue(targets.indexOf(rootfsPath + "/dev/null") < targets.indexOf(rootfsPath + "/dev/pts"));
    assertTrue(targets.containsAll(List.of(rootfsPath + "/dev/shm", rootfsPath + "/dev/mqueue",
        rootfsPath + "/sys/firmware")));
    assertEquals(rootfsPath + "/mnt/mesos/sandbox", targets.get(targets.size() - 1));
    Mount sandbox = plan.getMounts(plan.getMountsCount() - 1);
    assertEquals("/work/containers/c1", sandbox.getSource());
    assertEquals(Mounts.MS_BIND | Mounts.MS_REC, sandbox.getFlags());
    assertEquals(rootfsPath, plan.getRootfs());
    assertEquals("/mnt/mesos/sandbox", plan.getWorkingDirectory());
    assertEquals(List.of("MESOS_SANDBOX=/mnt/mesos/sandbox"), plan.getEnvironmentList());
    Mount devpts = plan.getMounts(targets.indexOf(rootfsPath + "/dev/pts"));
    assertEquals("newinstance,ptmxmode=0666,mode=0620,gid=5", devpts.getData());
    Mount sys = plan.getMounts(targets.indexOf(rootfsPath + "/sys"));
    assertEquals(Mounts.MS_RDONLY, sys.getFlags() & Mounts.MS_RDONLY);
  }

  @Test
  void theReadOnlyProcPartsAreBoundThenRemounted() {
    LaunchPlan plan = isolator.prepare(image());
    int bind = targets(plan).indexOf(rootfsPath + "/proc/sys");
    assertEquals(rootfsPath + "/proc/sys", plan.getMounts(bind).getSource());
    Mount remount = plan.getMounts(bind + 1);
    assertEquals(rootfsPath + "/proc/sys", remount.getTarget());
    assertEquals(Mounts.MS_BIND | Mounts.MS_REMOUNT | Mounts.MS_RDONLY | Mounts.MS_NOSUID
        | Mounts.MS_NODEV | Mounts.MS_NOEXEC, remount.getFlags());
  }

  @Test
  void anImageWorkingDirIsLeftToDockerRuntimeAndAHostPidNamespaceIsNotMasked() {
    ContainerInfo shared = ContainerInfo.newBuilder().setType(ContainerInfo.Type.MESOS)
        .setLinuxInfo(LinuxInfo.newBuilder().setSharePidNamespace(true)).build();
    LaunchPlan plan = isolator.prepare(image(shared,
        ImageConfig.newBuilder().setWorkingDir("/app").build()));
    assertFalse(plan.hasWorkingDirectory());
    assertFalse(targets(plan).contains(rootfsPath + "/sys/firmware"));
  }

  @Test
  void anotherSandboxDirectory() {
    LaunchPlan plan = new LinuxFilesystemIsolator("/sandbox", List.of()).prepare(image());
    assertEquals(rootfsPath + "/sandbox", plan.getMounts(plan.getMountsCount() - 1).getTarget());
    assertEquals(List.of("MESOS_SANDBOX=/sandbox"), plan.getEnvironmentList());
    for (String bad : List.of("relative", "/", "/a/../b", "/a/")) {
      assertThrows(IllegalArgumentException.class,
          () -> new LinuxFilesystemIsolator(bad, List.of()), bad);
    }
  }

  @Test
  void aVolumeThatNoEnabledIsolatorMountsIsRefused() {
    ContainerInfo info = ContainerInfo.newBuilder().setType(ContainerInfo.Type.MESOS)
        .addVolumes(Volume.newBuilder().setContainerPath("/data").setMode(Volume.Mode.RW)
            .setHostPath("/srv")).build();
    IsolatorException e = assertThrows(IsolatorException.class,
        () -> isolator.withVolumeIsolators(List.of("filesystem/linux")).prepare(
            Contexts.of("c1", info)));
    assertEquals("Failed to prepare: volume with container path '/data' needs the"
        + " 'volume/host_path' isolator, which is not enabled", e.getMessage());
    ContainerInfo docker = ContainerInfo.newBuilder().setType(ContainerInfo.Type.MESOS)
        .addVolumes(Volume.newBuilder().setContainerPath("/v").setMode(Volume.Mode.RW)
            .setSource(Volume.Source.newBuilder().setType(Volume.Source.Type.DOCKER_VOLUME)))
        .build();
    assertEquals("Failed to prepare: volume with container path '/v' needs the 'docker/volume'"
        + " isolator, which is not enabled", assertThrows(IsolatorException.class,
            () -> isolator.prepare(Contexts.of("c1", docker))).getMessage());
  }

  @Test
  void anImageLinkThatLeadsAMountOutOfTheRootfsIsRefused(@TempDir Path other) throws IOException {
    Path rootfs = Files.createDirectories(other.resolve("evil"));
    Files.createSymbolicLink(rootfs.resolve("dev"), Path.of("/tmp"));
    ContainerContext container = Contexts.of("c1").withRootfs(ProvisionedRootfs.newBuilder()
        .setRootfs(rootfs.toString()).build());
    assertEquals("Failed to prepare: path '/dev' escapes the rootfs '" + rootfs + "' (it resolves"
        + " to '/tmp')", assertThrows(IsolatorException.class, () -> isolator.prepare(container))
        .getMessage());
  }

  @Test
  void theNamespaceIsolatorsMountIntoTheRootfs() {
    assertEquals(0, new PidNamespaceIsolator(false).prepare(image()).getMountsCount(),
        "no /proc of its own: filesystem/linux mounts the rootfs's");
    LaunchPlan ipc = new IpcNamespaceIsolator(1 << 20, false).prepare(image());
    assertEquals(rootfsPath + "/dev/shm", ipc.getMounts(0).getTarget());
  }
}
