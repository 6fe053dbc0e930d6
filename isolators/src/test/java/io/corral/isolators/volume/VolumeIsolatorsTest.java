package io.corral.isolators.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.isolators.ContainerContext;
import io.corral.isolators.IsolatorException;
import io.corral.isolators.filesystem.MountTable;
import io.corral.isolators.filesystem.Mounts;
import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.ContainerInfo;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.Mount;
import io.corral.proto.v1.MountPropagation;
import io.corral.proto.v1.ProvisionedRootfs;
import io.corral.proto.v1.Volume;
import io.corral.proto.v1.agent.Call;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** volume/host_path and volume/sandbox_path: targets, mounts and refusals, without root. */
class VolumeIsolatorsTest {
  @TempDir Path dir;
  private Path sandbox;
  private Path rootfs;
  private Path host;
  private MountTable table;
  private HostPathVolumeIsolator hostPath;
  private final SandboxPathVolumeIsolator sandboxPath = new SandboxPathVolumeIsolator();

  @BeforeEach
  void setUp() throws IOException {
    sandbox = Files.createDirectories(dir.resolve("sandbox")).toRealPath();
    rootfs = Files.createDirectories(dir.resolve("rootfs")).toRealPath();
    host = Files.createDirectories(dir.resolve("host")).toRealPath();
    table = new MountTable(Files.writeString(dir.resolve("mountinfo"),
        "1 0 8:1 / / rw,nosuid - ext4 /dev/sda1 rw\n"));
    hostPath = new HostPathVolumeIsolator("/mnt/mesos/sandbox", List.of(host.resolve("forced")),
        table);
  }

  private ContainerContext container(boolean image, Volume... volumes) {
    ContainerID id = ContainerID.newBuilder().setValue("c1").build();
    Call.LaunchContainer launch = Call.LaunchContainer.newBuilder().setContainerId(id)
        .setContainer(ContainerInfo.newBuilder().setType(ContainerInfo.Type.MESOS)
            .addAllVolumes(List.of(volumes))).build();
    ContainerContext c = new ContainerContext(id, launch, sandbox, dir.resolve("runtime"));
    return image ? c.withRootfs(ProvisionedRootfs.newBuilder().setRootfs(rootfs.toString())
        .build()) : c;
  }

  private static Volume hostPath(String path, String containerPath, Volume.Mode mode) {
    return Volume.newBuilder().setContainerPath(containerPath).setMode(mode)
        .setSource(Volume.Source.newBuilder().setType(Volume.Source.Type.HOST_PATH)
            .setHostPath(Volume.Source.HostPath.newBuilder().setPath(path))).build();
  }

  private static Volume sandboxPath(Volume.Source.SandboxPath.Type type, String path,
      String containerPath) {
    return Volume.newBuilder().setContainerPath(containerPath).setMode(Volume.Mode.RW)
        .setSource(Volume.Source.newBuilder().setType(Volume.Source.Type.SANDBOX_PATH)
            .setSandboxPath(Volume.Source.SandboxPath.newBuilder().setType(type).setPath(path)))
        .build();
  }

  private String refusal(Runnable prepare) {
    return assertThrows(IsolatorException.class, prepare::run).getMessage();
  }

  @Test
  void hostPathTargetsGoIntoTheRootfsOrTheSandbox() {
    LaunchPlan plan = hostPath.prepare(container(true,
        hostPath(host.toString(), "/data", Volume.Mode.RO),
        hostPath(host.toString(), "rel/dir", Volume.Mode.RW)));
    List<Mount> mounts = plan.getMountsList();
    assertEquals(rootfs + "/data", mounts.get(0).getTarget());
    assertEquals(Mounts.MS_BIND, mounts.get(0).getFlags());
    assertTrue(mounts.get(0).getCreateTarget());
    assertEquals(Mounts.MS_BIND | Mounts.MS_REMOUNT | Mounts.MS_RDONLY | Mounts.MS_NOSUID,
        mounts.get(1).getFlags(), "read-only, keeping the nosuid of the source's mount");
    assertEquals(rootfs + "/mnt/mesos/sandbox/rel/dir", mounts.get(2).getTarget());
    assertEquals(Mounts.MS_BIND | Mounts.MS_REC, mounts.get(2).getFlags());
    assertFalse(Files.exists(rootfs.resolve("data")), "the init creates the target");
  }

  @Test
  void withoutAnImageAnAbsoluteTargetMustExistOnTheHost() {
    assertEquals("Failed to prepare: volume container path '/no/such/dir' must exist on the host"
        + " (the container has no image)", refusal(() -> hostPath.prepare(container(false,
            hostPath(host.toString(), "/no/such/dir", Volume.Mode.RW)))));
    LaunchPlan plan = hostPath.prepare(container(false,
        hostPath(host.toString(), host.toString(), Volume.Mode.RW)));
    assertEquals(host.toString(), plan.getMounts(0).getTarget());
  }

  @Test
  void aMissingHostPathIsCreatedOnlyUnderAForceCreationDirectoryAndOnlyAfterAllChecks() {
    Path forced = host.resolve("forced/a/b");
    assertEquals("Failed to prepare: volume host path '" + host.resolve("missing")
        + "' does not exist", refusal(() -> hostPath.prepare(container(true,
            hostPath(forced.toString(), "/a", Volume.Mode.RW),
            hostPath(host.resolve("missing").toString(), "/b", Volume.Mode.RW)))));
    assertFalse(Files.exists(forced), "nothing created when a later volume is refused");
    hostPath.prepare(container(true, hostPath(forced.toString(), "/a", Volume.Mode.RW)));
    assertTrue(Files.isDirectory(forced));
  }

  @Test
  void badHostPathsAreRefused() {
    assertEquals("Failed to prepare: volume host path 'relative' is not absolute",
        refusal(() -> hostPath.prepare(container(true, hostPath("relative", "/a", Volume.Mode.RW)))));
    assertEquals("Failed to prepare: volume host path '/a/../etc' must not contain '.' or '..'",
        refusal(() -> hostPath.prepare(container(true, hostPath("/a/../etc", "/a", Volume.Mode.RW)))));
    Volume bidirectional = hostPath(host.toString(), "/a", Volume.Mode.RW).toBuilder()
        .setSource(hostPath(host.toString(), "/a", Volume.Mode.RW).getSource().toBuilder()
            .setHostPath(Volume.Source.HostPath.newBuilder().setPath(host.toString())
                .setMountPropagation(MountPropagation.newBuilder()
                    .setMode(MountPropagation.Mode.BIDIRECTIONAL)))).build();
    assertTrue(refusal(() -> hostPath.prepare(container(true, bidirectional)))
        .contains("BIDIRECTIONAL"));
  }

  @Test
  void aTargetThroughASymlinkOutOfTheRootfsIsRefused() throws IOException {
    Files.createSymbolicLink(rootfs.resolve("etc"), host);
    assertEquals("Failed to prepare: path '/etc/x' escapes the rootfs '" + rootfs
        + "' (it resolves to '" + host + "')", refusal(() -> hostPath.prepare(
            container(true, hostPath(host.toString(), "/etc/x", Volume.Mode.RW)))));
  }

  @Test
  void duplicatesAcrossBothKindsAndVolumesHidingTheSandboxAreRefused() {
    Volume a = hostPath(host.toString(), "/data", Volume.Mode.RW);
    Volume b = sandboxPath(Volume.Source.SandboxPath.Type.SELF, "d", "/data/");
    String message = "Failed to prepare: two volumes have the container path '/data/'";
    assertEquals(message, refusal(() -> hostPath.prepare(container(true, a, b))));
    assertEquals(message, refusal(() -> sandboxPath.prepare(container(true, a, b))));
    assertFalse(Files.exists(sandbox.resolve("d")));
    assertTrue(refusal(() -> hostPath.prepare(container(true,
        hostPath(host.toString(), "/mnt", Volume.Mode.RW)))).contains("because the sandbox"));
  }

  @Test
  void sandboxPathVolumesAreBoundFromTheSandboxAndCreated() {
    LaunchPlan plan = sandboxPath.prepare(container(true,
        sandboxPath(Volume.Source.SandboxPath.Type.SELF, "cache/x", "/cache"),
        Volume.newBuilder().setContainerPath("logs").setHostPath("logs")
            .setMode(Volume.Mode.RO).build()));
    assertEquals(sandbox + "/cache/x", plan.getMounts(0).getSource());
    assertEquals(rootfs + "/cache", plan.getMounts(0).getTarget());
    assertEquals(rootfs + "/mnt/mesos/sandbox/logs", plan.getMounts(1).getTarget());
    assertTrue(Files.isDirectory(sandbox.resolve("cache/x")));
    assertTrue(Files.isDirectory(sandbox.resolve("logs")));
  }

  @Test
  void parentAndEscapingSandboxPathsAreRefused() throws IOException {
    assertEquals("Failed to prepare: SANDBOX_PATH volume '/p' of type PARENT needs a parent"
        + " container, and Corral has no nested containers", refusal(() -> sandboxPath.prepare(
            container(true, sandboxPath(Volume.Source.SandboxPath.Type.PARENT, "x", "/p")))));
    assertEquals("Failed to prepare: volume sandbox path '/abs' is not relative",
        refusal(() -> sandboxPath.prepare(container(true,
            sandboxPath(Volume.Source.SandboxPath.Type.SELF, "/abs", "/p")))));
    Files.createSymbolicLink(sandbox.resolve("out"), host);
    assertTrue(refusal(() -> sandboxPath.prepare(container(true,
        sandboxPath(Volume.Source.SandboxPath.Type.SELF, "out/x", "/p")))).contains("escapes the"
        + " sandbox"));
    assertFalse(Files.exists(host.resolve("x")));
  }
}
