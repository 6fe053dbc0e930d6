package io.corral.isolators.namespaces;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.corral.isolators.Contexts;
import io.corral.isolators.IsolatorException;
import io.corral.proto.v1.ContainerInfo;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.LinuxInfo;
import io.corral.proto.v1.Mount;
import io.corral.proto.v1.Namespace;
import java.util.List;
import org.junit.jupiter.api.Test;

/** namespaces/ipc on its returned plans: modes, sizes and refusals. */
class IpcNamespaceIsolatorTest {
  private static final long SHM_FLAGS = 2 | 4 | 1L << 24; // MS_NOSUID|MS_NODEV|MS_STRICTATIME

  private final IpcNamespaceIsolator isolator =
      new IpcNamespaceIsolator(IpcNamespaceIsolator.DEFAULT_SHM_SIZE, false);

  private static ContainerInfo linux(LinuxInfo.Builder linux) {
    return ContainerInfo.newBuilder().setType(ContainerInfo.Type.MESOS).setLinuxInfo(linux).build();
  }

  private static LaunchPlan privatePlan(long size) {
    return LaunchPlan.newBuilder()
        .addCloneNamespaces(Namespace.IPC).addCloneNamespaces(Namespace.MOUNT)
        .addMounts(Mount.newBuilder().setSource("shm").setTarget("/dev/shm").setType("tmpfs")
            .setFlags(SHM_FLAGS).setData("mode=1777,size=" + size))
        .build();
  }

  @Test
  void anUnsetModeIsPrivateWithTheDefaultSize() {
    assertEquals(privatePlan(64L << 20), isolator.prepare(Contexts.of("c1")));
  }

  @Test
  void privateTakesShmSizeInMegabytes() {
    assertEquals(privatePlan(128L << 20), isolator.prepare(Contexts.of("c1", linux(
        LinuxInfo.newBuilder().setIpcMode(LinuxInfo.IpcMode.PRIVATE).setShmSize(128)))));
    assertEquals(privatePlan(4095L << 20), isolator.prepare(Contexts.of("c1", linux(
        LinuxInfo.newBuilder().setShmSize(4095)))));
  }

  @Test
  void theAgentFlagIsTheDefaultSize() {
    assertEquals(privatePlan(1L << 30),
        new IpcNamespaceIsolator(1L << 30, false).prepare(Contexts.of("c1")));
  }

  @Test
  void shareParentSharesTheAgentsNamespaceAndShm() {
    assertEquals(LaunchPlan.getDefaultInstance(), isolator.prepare(Contexts.of("c1", linux(
        LinuxInfo.newBuilder().setIpcMode(LinuxInfo.IpcMode.SHARE_PARENT)))));
  }

  @Test
  void shareParentIsRefusedWhenTheAgentDisallowsIt() {
    IpcNamespaceIsolator strict = new IpcNamespaceIsolator(64L << 20, true);
    assertEquals("Failed to prepare: Sharing agent IPC namespace with top-level container is not"
        + " allowed", assertThrows(IsolatorException.class, () -> strict.prepare(Contexts.of("c1",
            linux(LinuxInfo.newBuilder().setIpcMode(LinuxInfo.IpcMode.SHARE_PARENT)))))
        .getMessage());
    assertEquals(privatePlan(64L << 20), strict.prepare(Contexts.of("c2")));
  }

  @Test
  void refusals() {
    for (var entry : List.of(
        List.of(LinuxInfo.newBuilder().setIpcMode(LinuxInfo.IpcMode.SHARE_PARENT).setShmSize(1),
            "Failed to prepare: Only support specifying the size of /dev/shm when the IPC mode"
                + " is `PRIVATE`"),
        List.of(LinuxInfo.newBuilder().setIpcMode(LinuxInfo.IpcMode.UNKNOWN),
            "Failed to prepare: Unknown IPC mode 'UNKNOWN'"),
        List.of(LinuxInfo.newBuilder().setShmSize(0),
            "Failed to prepare: the size of /dev/shm must be positive"))) {
      LinuxInfo.Builder request = (LinuxInfo.Builder) entry.get(0);
      assertEquals(entry.get(1), assertThrows(IsolatorException.class,
          () -> isolator.prepare(Contexts.of("c1", linux(request)))).getMessage());
    }
  }

  @Test
  void aNonPositiveDefaultStopsTheAgent() {
    assertThrows(IllegalArgumentException.class, () -> new IpcNamespaceIsolator(0, false));
  }
}
