package io.corral.isolators;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.Mount;
import io.corral.proto.v1.Namespace;
import io.corral.proto.v1.RLimit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link LaunchPlans#merge}: concatenation, de-duplication and conflicts. */
class LaunchPlansMergeTest {

  private static String conflict(LaunchPlan a, LaunchPlan b) {
    return assertThrows(IsolatorException.class,
        () -> LaunchPlans.merge(List.of(Map.entry("a", a), Map.entry("b", b)))).getMessage();
  }

  @Test
  void concatenatesInOrderAndDeduplicatesNamespaces() {
    LaunchPlan fs = LaunchPlan.newBuilder().setWorkingDirectory("/sb").addEnvironment("MESOS_SANDBOX=/sb").build();
    LaunchPlan pid = LaunchPlan.newBuilder().addCloneNamespaces(Namespace.PID)
        .addCloneNamespaces(Namespace.MOUNT)
        .addMounts(Mount.newBuilder().setTarget("/proc").setType("proc")).build();
    LaunchPlan ipc = LaunchPlan.newBuilder().addCloneNamespaces(Namespace.IPC)
        .addCloneNamespaces(Namespace.MOUNT).addEnvironment("A=1")
        .addMounts(Mount.newBuilder().setTarget("/dev/shm").setType("tmpfs")).setNoNewPrivileges(true).build();
    LaunchPlan none = LaunchPlan.newBuilder().setNoNewPrivileges(false).build();

    LaunchPlan merged = LaunchPlans.merge(List.of(Map.entry("filesystem/posix", fs),
        Map.entry("namespaces/pid", pid), Map.entry("namespaces/ipc", ipc), Map.entry("x", none)));
    assertEquals(LaunchPlan.newBuilder()
        .setWorkingDirectory("/sb")
        .addEnvironment("MESOS_SANDBOX=/sb").addEnvironment("A=1")
        .addCloneNamespaces(Namespace.PID).addCloneNamespaces(Namespace.MOUNT)
        .addCloneNamespaces(Namespace.IPC)
        .addMounts(Mount.newBuilder().setTarget("/proc").setType("proc"))
        .addMounts(Mount.newBuilder().setTarget("/dev/shm").setType("tmpfs"))
        .setNoNewPrivileges(true)
        .build(), merged);
  }

  @Test
  void nothingMergesToAnEmptyPlan() {
    assertEquals(LaunchPlan.getDefaultInstance(), LaunchPlans.merge(List.of()));
  }

  @Test
  void singleOwnerPartsConflict() {
    assertEquals("Multiple isolators specify working_directory: 'a' and 'b'",
        conflict(LaunchPlan.newBuilder().setWorkingDirectory("/x").build(),
            LaunchPlan.newBuilder().setWorkingDirectory("/x").build()));
    assertEquals("Multiple isolators specify hostname: 'a' and 'b'",
        conflict(LaunchPlan.newBuilder().setHostname("h").build(),
            LaunchPlan.newBuilder().setHostname("g").build()));
    RLimit nofile = RLimit.newBuilder().setResource(7).setSoft(1).setHard(1).build();
    assertEquals("Multiple isolators specify rlimits: 'a' and 'b'",
        conflict(LaunchPlan.newBuilder().addRlimits(nofile).build(),
            LaunchPlan.newBuilder().addRlimits(nofile).build()));
    assertEquals("Multiple isolators specify capabilities: 'a' and 'b'",
        conflict(LaunchPlan.newBuilder().setEffectiveCapabilities(1).build(),
            LaunchPlan.newBuilder().setBoundingCapabilities(1).build()));
    assertEquals("Multiple isolators specify user: 'a' and 'b'",
        conflict(LaunchPlan.newBuilder().setUid(0).build(),
            LaunchPlan.newBuilder().setGid(5).build()));
    assertEquals("Multiple isolators specify argv: 'a' and 'b'",
        conflict(LaunchPlan.newBuilder().addArgv("x").build(),
            LaunchPlan.newBuilder().addArgv("y").build()));
  }

  @Test
  void containerizerFieldsAreRefused() {
    IsolatorException e = assertThrows(IsolatorException.class, () -> LaunchPlans.merge(
        List.of(Map.entry("a", LaunchPlan.newBuilder().setStatusPath("/s").build()))));
    assertEquals("Isolator 'a' should not specify status_path", e.getMessage());
  }
}
