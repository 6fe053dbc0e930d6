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
import org.junit.jupiter.api.Test;

class PidNamespaceIsolatorTest {
  private static final ContainerInfo SHARING = ContainerInfo.newBuilder()
      .setType(ContainerInfo.Type.MESOS)
      .setLinuxInfo(LinuxInfo.newBuilder().setSharePidNamespace(true)).build();

  @Test
  void clonesPidAndMountNamespacesAndMountsAFreshProc() {
    LaunchPlan plan = new PidNamespaceIsolator(false).prepare(Contexts.of("c1"));
    assertEquals(LaunchPlan.newBuilder()
        .addCloneNamespaces(Namespace.PID).addCloneNamespaces(Namespace.MOUNT)
        .addMounts(Mount.newBuilder().setSource("proc").setTarget("/proc").setType("proc")
            .setFlags(2 | 4 | 8)) // MS_NOSUID | MS_NODEV | MS_NOEXEC
        .build(), plan);
  }

  @Test
  void sharingTheAgentPidNamespaceGivesAnEmptyPlan() {
    assertEquals(LaunchPlan.getDefaultInstance(),
        new PidNamespaceIsolator(false).prepare(Contexts.of("c1", SHARING)));
  }

  @Test
  void sharingCanBeDisallowed() {
    IsolatorException e = assertThrows(IsolatorException.class,
        () -> new PidNamespaceIsolator(true).prepare(Contexts.of("c1", SHARING)));
    assertEquals("Failed to prepare: Sharing agent pid namespace with top-level container is not"
        + " allowed", e.getMessage());
    // Not sharing is still fine when sharing is disallowed.
    assertEquals(2, new PidNamespaceIsolator(true).prepare(Contexts.of("c2")).getCloneNamespacesCount());
  }
}
