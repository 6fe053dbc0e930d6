package io.corral.proto.v1;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.InvalidProtocolBufferException;
import io.corral.proto.v1.agent.Call;
import org.junit.jupiter.api.Test;

/**
 * Corral's own records survive a binary round trip unchanged, and the LaunchPlan's version 1
 * layout (the numbers corral-init decodes) is pinned with a hand-encoded golden.
 */
class LaunchPlanRoundTripTest {

  // corral/v1/corral.proto, LaunchPlan: the numbers corral-init decodes.
  private static final int PLAN_VERSION = 1;
  private static final int PLAN_CLONE_NAMESPACES = 2;
  private static final int PLAN_ENVIRONMENT = 4;
  private static final int PLAN_ARGV = 6;
  private static final int PLAN_STATUS_PATH = 9;

  static LaunchPlan fullPlan() {
    return LaunchPlan.newBuilder()
        .setVersion(1)
        .addCloneNamespaces(Namespace.MOUNT)
        .addCloneNamespaces(Namespace.PID)
        .addCloneNamespaces(Namespace.IPC)
        .addCloneNamespaces(Namespace.UTS)
        .addMounts(Mount.newBuilder().setSource("/var/lib/corral/sandbox/c1").setTarget("/mnt/sandbox")
            .setFlags(4096L | 16384L).setCreateTarget(true))
        .addMounts(Mount.newBuilder().setSource("proc").setTarget("/proc").setType("proc")
            .setData("hidepid=2"))
        .addEnvironment("PATH=/usr/bin:/bin")
        .addEnvironment("MESOS_SANDBOX=/mnt/sandbox")
        .setWorkingDirectory("/mnt/sandbox")
        .addArgv("/bin/sh").addArgv("-c").addArgv("echo hi")
        .setHostname("c1")
        .addRlimits(RLimit.newBuilder().setResource(7).setSoft(1024).setHard(4096))
        .addRlimits(RLimit.newBuilder().setResource(4).setSoft(-1L).setHard(-1L))
        .setStatusPath("/run/corral/containers/c1/status")
        .setStdinPath("/dev/null")
        .setStdoutPath("/var/lib/corral/sandbox/c1/stdout")
        .setUid(65534).setGid(65534).addSupplementaryGroups(100)
        .setEffectiveCapabilities(1L << 10)
        .setBoundingCapabilities((1L << 10) | (1L << 21))
        .setNoNewPrivileges(true)
        .addJoinCgroups("/sys/fs/cgroup/freezer/corral/c1/tasks")
        .setRootfs("/var/lib/corral/provisioner/c1/rootfs")
        .setStderrPath("/var/lib/corral/sandbox/c1/stderr")
        .setMaxStdoutSize(10L << 20).setStdoutRotate(2)
        .setMaxStderrSize(4096).setStderrRotate(0)
        .build();
  }

  @Test
  void everyFieldSurvivesABinaryRoundTrip() throws InvalidProtocolBufferException {
    LaunchPlan plan = fullPlan();
    byte[] bytes = plan.toByteArray();
    LaunchPlan back = LaunchPlan.parseFrom(bytes);
    assertEquals(plan, back);
    assertArrayEquals(bytes, back.toByteArray());
    assertTrue(back.getUnknownFields().asMap().isEmpty());
    assertEquals(-1L, back.getRlimits(1).getSoft(), "RLIM_INFINITY is 2^64-1");
    assertEquals(LaunchPlan.getDescriptor().getFields().size(),
        plan.getAllFields().size(), "the full plan sets every field");
  }

  @Test
  void minimalPlanHasTheVersionOneLayout() throws InvalidProtocolBufferException {
    byte[] wire = Wire.of()
        .varint(PLAN_VERSION, 1)
        .varint(PLAN_CLONE_NAMESPACES, Namespace.PID_VALUE)
        .string(PLAN_ENVIRONMENT, "A=b")
        .string(PLAN_ARGV, "true")
        .string(PLAN_STATUS_PATH, "/run/s")
        .toByteArray();
    LaunchPlan plan = LaunchPlan.newBuilder().setVersion(1).addCloneNamespaces(Namespace.PID)
        .addEnvironment("A=b").addArgv("true").setStatusPath("/run/s").build();
    assertEquals(plan, LaunchPlan.parseFrom(wire));
    assertArrayEquals(wire, plan.toByteArray());
  }

  @Test
  void checkpointRecordsRoundTrip() throws InvalidProtocolBufferException {
    ContainerConfig config = ContainerConfig.newBuilder()
        .setLaunch(Call.LaunchContainer.newBuilder()
            .setContainerId(ContainerID.newBuilder().setValue("c1"))
            .setCommand(CommandInfo.newBuilder().setValue("sleep 1"))
            .putLimits("cpus", Value.Scalar.newBuilder().setValue(2.0).build()))
        .addIsolators("posix/cpu").addIsolators("posix/mem")
        .setSandbox("/var/lib/corral/sandbox/c1")
        .setPlan(fullPlan())
        .build();
    assertEquals(config, ContainerConfig.parseFrom(config.toByteArray()));

    ContainerTermination termination = ContainerTermination.newBuilder()
        .setMessage("Disk usage (2MB) exceeds quota (1MB)")
        .setStatus(9)
        .setState(TaskState.TASK_FAILED)
        .setReason(TaskStatus.Reason.REASON_CONTAINER_LIMITATION_DISK)
        .addLimitedResources(Resource.newBuilder().setName("disk").setType(Value.Type.SCALAR)
            .setScalar(Value.Scalar.newBuilder().setValue(1.0)))
        .build();
    assertEquals(termination, ContainerTermination.parseFrom(termination.toByteArray()));

    ContainerPids pids = ContainerPids.newBuilder().setInitPid(1234).setHelperPid(1233).build();
    assertEquals(pids, ContainerPids.parseFrom(pids.toByteArray()));
  }
}
