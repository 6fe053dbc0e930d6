package io.corral.proto.v1;

import static io.corral.proto.v1.MesosNumbers.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.corral.proto.v1.agent.Call;
import io.corral.proto.v1.agent.Response;
import org.junit.jupiter.api.Test;

/**
 * Golden wire tests: bytes hand-encoded from Mesos' own field numbers ({@link MesosNumbers})
 * must parse into the expected Corral message, and the message must serialize back to exactly
 * those bytes. A wrong field number, type or label in our .proto files fails here.
 */
class MesosWireGoldenTest {

  private static <M extends Message> void assertGolden(M expected, byte[] wire, M parsed) {
    assertEquals(expected, parsed, "parsed from the Mesos encoding");
    assertTrue(parsed.getUnknownFields().asMap().isEmpty(), "no field left unknown");
    assertArrayEquals(wire, expected.toByteArray(), "serialized to the Mesos encoding");
  }

  private static Wire containerId(String value) {
    return Wire.of().string(CONTAINER_ID_VALUE, value);
  }

  @Test
  void containerIdIsValueOne() throws InvalidProtocolBufferException {
    byte[] wire = containerId("a").toByteArray();
    assertArrayEquals(new byte[] {0x0a, 0x01, 0x61}, wire);
    ContainerID expected = ContainerID.newBuilder().setValue("a").build();
    assertGolden(expected, wire, ContainerID.parseFrom(wire));
  }

  @Test
  void nestedContainerIdCarriesItsParent() throws InvalidProtocolBufferException {
    byte[] wire = containerId("child").message(CONTAINER_ID_PARENT, containerId("root")).toByteArray();
    ContainerID expected = ContainerID.newBuilder().setValue("child")
        .setParent(ContainerID.newBuilder().setValue("root")).build();
    assertGolden(expected, wire, ContainerID.parseFrom(wire));
  }

  @Test
  void launchContainerCall() throws InvalidProtocolBufferException {
    byte[] wire = Wire.of()
        .varint(CALL_TYPE, CALL_TYPE_LAUNCH_CONTAINER)
        .message(CALL_LAUNCH_CONTAINER, Wire.of()
            .message(LAUNCH_CONTAINER_CONTAINER_ID, containerId("x"))
            .message(LAUNCH_CONTAINER_COMMAND, Wire.of().string(COMMAND_INFO_VALUE, "true")))
        .toByteArray();
    Call expected = Call.newBuilder().setType(Call.Type.LAUNCH_CONTAINER)
        .setLaunchContainer(Call.LaunchContainer.newBuilder()
            .setContainerId(ContainerID.newBuilder().setValue("x"))
            .setCommand(CommandInfo.newBuilder().setValue("true")))
        .build();
    assertGolden(expected, wire, Call.parseFrom(wire));
  }

  @Test
  void launchContainerWithResourcesLimitsAndContainerInfo() throws InvalidProtocolBufferException {
    Wire command = Wire.of()
        .message(COMMAND_INFO_ENVIRONMENT, Wire.of().message(ENVIRONMENT_VARIABLES, Wire.of()
            .string(ENVIRONMENT_VARIABLE_NAME, "HOME")
            .string(ENVIRONMENT_VARIABLE_VALUE, "/tmp")))
        .string(COMMAND_INFO_VALUE, "/bin/echo")
        .string(COMMAND_INFO_USER, "nobody")
        .bool(COMMAND_INFO_SHELL, false)
        .string(COMMAND_INFO_ARGUMENTS, "echo")
        .string(COMMAND_INFO_ARGUMENTS, "hi");
    Wire mem = Wire.of()
        .string(RESOURCE_NAME, "mem")
        .varint(RESOURCE_TYPE, VALUE_TYPE_SCALAR)
        .message(RESOURCE_SCALAR, Wire.of().fixed64(VALUE_SCALAR_VALUE, 64.0));
    Wire container = Wire.of()
        .varint(CONTAINER_INFO_TYPE, CONTAINER_INFO_TYPE_MESOS)
        .message(CONTAINER_INFO_VOLUMES, Wire.of()
            .string(VOLUME_CONTAINER_PATH, "shared")
            .varint(VOLUME_MODE, VOLUME_MODE_RO)
            .message(VOLUME_SOURCE, Wire.of()
                .varint(VOLUME_SOURCE_TYPE, VOLUME_SOURCE_TYPE_SANDBOX_PATH)
                .message(VOLUME_SOURCE_SANDBOX_PATH, Wire.of()
                    .varint(SANDBOX_PATH_TYPE, SANDBOX_PATH_TYPE_PARENT)
                    .string(SANDBOX_PATH_PATH, "data"))))
        .string(CONTAINER_INFO_HOSTNAME, "box")
        .message(CONTAINER_INFO_MESOS, Wire.of().message(MESOS_INFO_IMAGE, Wire.of()
            .varint(IMAGE_TYPE, IMAGE_TYPE_DOCKER)
            .message(IMAGE_DOCKER, Wire.of().string(IMAGE_DOCKER_NAME, "alpine"))))
        .message(CONTAINER_INFO_NETWORK_INFOS, Wire.of().string(NETWORK_INFO_NAME, "cni-net"))
        .message(CONTAINER_INFO_LINUX_INFO, Wire.of()
            .bool(LINUX_INFO_SHARE_PID_NAMESPACE, false)
            .message(LINUX_INFO_SECCOMP, Wire.of().bool(SECCOMP_INFO_UNCONFINED, true))
            .bool(LINUX_INFO_SHARE_CGROUPS, false))
        .message(CONTAINER_INFO_RLIMIT_INFO, Wire.of().message(RLIMIT_INFO_RLIMITS, Wire.of()
            .varint(RLIMIT_TYPE, RLMT_NOFILE)
            .varint(RLIMIT_HARD, 1024)
            .varint(RLIMIT_SOFT, 512)));
    byte[] wire = Wire.of()
        .varint(CALL_TYPE, CALL_TYPE_LAUNCH_CONTAINER)
        .message(CALL_LAUNCH_CONTAINER, Wire.of()
            .message(LAUNCH_CONTAINER_CONTAINER_ID, containerId("c1"))
            .message(LAUNCH_CONTAINER_COMMAND, command)
            .message(LAUNCH_CONTAINER_RESOURCES, mem)
            .message(LAUNCH_CONTAINER_CONTAINER, container)
            .message(LAUNCH_CONTAINER_LIMITS, Wire.of()
                .string(MAP_ENTRY_KEY, "mem")
                .message(MAP_ENTRY_VALUE, Wire.of().fixed64(VALUE_SCALAR_VALUE, 128.0))))
        .toByteArray();

    Call expected = Call.newBuilder().setType(Call.Type.LAUNCH_CONTAINER)
        .setLaunchContainer(Call.LaunchContainer.newBuilder()
            .setContainerId(ContainerID.newBuilder().setValue("c1"))
            .setCommand(CommandInfo.newBuilder()
                .setEnvironment(Environment.newBuilder().addVariables(
                    Environment.Variable.newBuilder().setName("HOME").setValue("/tmp")))
                .setValue("/bin/echo").setUser("nobody").setShell(false)
                .addArguments("echo").addArguments("hi"))
            .addResources(Resource.newBuilder().setName("mem").setType(Value.Type.SCALAR)
                .setScalar(Value.Scalar.newBuilder().setValue(64.0)))
            .setContainer(ContainerInfo.newBuilder().setType(ContainerInfo.Type.MESOS)
                .addVolumes(Volume.newBuilder().setContainerPath("shared").setMode(Volume.Mode.RO)
                    .setSource(Volume.Source.newBuilder().setType(Volume.Source.Type.SANDBOX_PATH)
                        .setSandboxPath(Volume.Source.SandboxPath.newBuilder()
                            .setType(Volume.Source.SandboxPath.Type.PARENT).setPath("data"))))
                .setHostname("box")
                .setMesos(ContainerInfo.MesosInfo.newBuilder().setImage(Image.newBuilder()
                    .setType(Image.Type.DOCKER)
                    .setDocker(Image.Docker.newBuilder().setName("alpine"))))
                .addNetworkInfos(NetworkInfo.newBuilder().setName("cni-net"))
                .setLinuxInfo(LinuxInfo.newBuilder().setSharePidNamespace(false)
                    .setSeccomp(SeccompInfo.newBuilder().setUnconfined(true))
                    .setShareCgroups(false))
                .setRlimitInfo(RLimitInfo.newBuilder().addRlimits(RLimitInfo.RLimit.newBuilder()
                    .setType(RLimitInfo.RLimit.Type.RLMT_NOFILE).setHard(1024).setSoft(512))))
            .putLimits("mem", Value.Scalar.newBuilder().setValue(128.0).build()))
        .build();
    assertGolden(expected, wire, Call.parseFrom(wire));
  }

  @Test
  void volumeModeIsRequiredAsInMesos() {
    Volume.Builder noMode = Volume.newBuilder().setContainerPath("/data");
    assertTrue(!noMode.isInitialized(), "Mesos declares Volume.mode required");
  }

  @Test
  void shareCgroupsDefaultsToTrue() {
    assertTrue(LinuxInfo.getDefaultInstance().getShareCgroups());
  }

  @Test
  void waitKillRemoveAndGetContainersCalls() throws InvalidProtocolBufferException {
    ContainerID id = ContainerID.newBuilder().setValue("w").build();

    byte[] wait = Wire.of().varint(CALL_TYPE, CALL_TYPE_WAIT_CONTAINER)
        .message(CALL_WAIT_CONTAINER, Wire.of().message(CONTAINER_ID_FIELD, containerId("w")))
        .toByteArray();
    assertGolden(Call.newBuilder().setType(Call.Type.WAIT_CONTAINER)
        .setWaitContainer(Call.WaitContainer.newBuilder().setContainerId(id)).build(),
        wait, Call.parseFrom(wait));

    byte[] kill = Wire.of().varint(CALL_TYPE, CALL_TYPE_KILL_CONTAINER)
        .message(CALL_KILL_CONTAINER, Wire.of()
            .message(CONTAINER_ID_FIELD, containerId("w"))
            .int32(KILL_CONTAINER_SIGNAL, 15))
        .toByteArray();
    assertGolden(Call.newBuilder().setType(Call.Type.KILL_CONTAINER)
        .setKillContainer(Call.KillContainer.newBuilder().setContainerId(id).setSignal(15)).build(),
        kill, Call.parseFrom(kill));

    byte[] remove = Wire.of().varint(CALL_TYPE, CALL_TYPE_REMOVE_CONTAINER)
        .message(CALL_REMOVE_CONTAINER, Wire.of().message(CONTAINER_ID_FIELD, containerId("w")))
        .toByteArray();
    assertGolden(Call.newBuilder().setType(Call.Type.REMOVE_CONTAINER)
        .setRemoveContainer(Call.RemoveContainer.newBuilder().setContainerId(id)).build(),
        remove, Call.parseFrom(remove));

    byte[] list = Wire.of().varint(CALL_TYPE, CALL_TYPE_GET_CONTAINERS)
        .message(CALL_GET_CONTAINERS, Wire.of()
            .bool(GET_CONTAINERS_SHOW_NESTED, true)
            .bool(GET_CONTAINERS_SHOW_STANDALONE, true))
        .toByteArray();
    assertGolden(Call.newBuilder().setType(Call.Type.GET_CONTAINERS)
        .setGetContainers(Call.GetContainers.newBuilder().setShowNested(true).setShowStandalone(true))
        .build(), list, Call.parseFrom(list));
  }

  @Test
  void callTypesWithoutBody() throws InvalidProtocolBufferException {
    int[][] cases = {
        {CALL_TYPE_GET_HEALTH, Call.Type.GET_HEALTH_VALUE},
        {CALL_TYPE_GET_FLAGS, Call.Type.GET_FLAGS_VALUE},
        {CALL_TYPE_GET_VERSION, Call.Type.GET_VERSION_VALUE},
    };
    for (int[] c : cases) {
      byte[] wire = Wire.of().varint(CALL_TYPE, c[0]).toByteArray();
      assertGolden(Call.newBuilder().setType(Call.Type.forNumber(c[1])).build(),
          wire, Call.parseFrom(wire));
    }
  }

  @Test
  void waitContainerResponseWithExitStatus() throws InvalidProtocolBufferException {
    byte[] wire = Wire.of()
        .varint(RESPONSE_TYPE, RESPONSE_TYPE_WAIT_CONTAINER)
        .message(RESPONSE_WAIT_CONTAINER, Wire.of().int32(WAIT_CONTAINER_EXIT_STATUS, 768))
        .toByteArray();
    Response expected = Response.newBuilder().setType(Response.Type.WAIT_CONTAINER)
        .setWaitContainer(Response.WaitContainer.newBuilder().setExitStatus(768)).build();
    assertGolden(expected, wire, Response.parseFrom(wire));
  }

  @Test
  void waitContainerResponseForAMemoryLimitation() throws InvalidProtocolBufferException {
    Wire mem = Wire.of()
        .string(RESOURCE_NAME, "mem")
        .varint(RESOURCE_TYPE, VALUE_TYPE_SCALAR)
        .message(RESOURCE_SCALAR, Wire.of().fixed64(VALUE_SCALAR_VALUE, 32.0));
    byte[] wire = Wire.of()
        .varint(RESPONSE_TYPE, RESPONSE_TYPE_WAIT_CONTAINER)
        .message(RESPONSE_WAIT_CONTAINER, Wire.of()
            .int32(WAIT_CONTAINER_EXIT_STATUS, 9)
            .varint(WAIT_CONTAINER_STATE, TASK_FAILED)
            .varint(WAIT_CONTAINER_REASON, REASON_CONTAINER_LIMITATION_MEMORY)
            .message(WAIT_CONTAINER_LIMITATION,
                Wire.of().message(TASK_RESOURCE_LIMITATION_RESOURCES, mem))
            .string(WAIT_CONTAINER_MESSAGE, "Memory limit exceeded"))
        .toByteArray();
    Response expected = Response.newBuilder().setType(Response.Type.WAIT_CONTAINER)
        .setWaitContainer(Response.WaitContainer.newBuilder()
            .setExitStatus(9)
            .setState(TaskState.TASK_FAILED)
            .setReason(TaskStatus.Reason.REASON_CONTAINER_LIMITATION_MEMORY)
            .setLimitation(TaskResourceLimitation.newBuilder().addResources(Resource.newBuilder()
                .setName("mem").setType(Value.Type.SCALAR)
                .setScalar(Value.Scalar.newBuilder().setValue(32.0))))
            .setMessage("Memory limit exceeded"))
        .build();
    assertGolden(expected, wire, Response.parseFrom(wire));
  }

  @Test
  void negativeExitStatusUsesTenByteVarint() throws InvalidProtocolBufferException {
    byte[] wire = Wire.of().int32(WAIT_CONTAINER_EXIT_STATUS, -1).toByteArray();
    assertEquals(11, wire.length, "tag + 10-byte sign-extended int32");
    Response.WaitContainer expected = Response.WaitContainer.newBuilder().setExitStatus(-1).build();
    assertGolden(expected, wire, Response.WaitContainer.parseFrom(wire));
  }

  @Test
  void getContainersResponseWithStatistics() throws InvalidProtocolBufferException {
    Wire stats = Wire.of()
        .fixed64(STATS_TIMESTAMP, 1700000000.5)
        .fixed64(STATS_CPUS_USER_TIME_SECS, 1.25)
        .fixed64(STATS_CPUS_LIMIT, 0.5)
        .varint(STATS_MEM_RSS_BYTES, 4096)
        .varint(STATS_MEM_LIMIT_BYTES, 33554432)
        .varint(STATS_NET_RX_BYTES, 100)
        .varint(STATS_DISK_USED_BYTES, 8192)
        .varint(STATS_PROCESSES, 2)
        .varint(STATS_MEM_TOTAL_BYTES, 8192)
        .fixed64(STATS_CPUS_SOFT_LIMIT, 0.25);
    byte[] wire = Wire.of()
        .varint(RESPONSE_TYPE, RESPONSE_TYPE_GET_CONTAINERS)
        .message(RESPONSE_GET_CONTAINERS, Wire.of().message(GET_CONTAINERS_CONTAINERS, Wire.of()
            .message(CONTAINER_CONTAINER_ID, containerId("c1"))
            .message(CONTAINER_CONTAINER_STATUS, Wire.of()
                .varint(CONTAINER_STATUS_EXECUTOR_PID, 4242)
                .message(CONTAINER_STATUS_CONTAINER_ID, containerId("c1")))
            .message(CONTAINER_RESOURCE_STATISTICS, stats)))
        .toByteArray();
    ContainerID id = ContainerID.newBuilder().setValue("c1").build();
    Response expected = Response.newBuilder().setType(Response.Type.GET_CONTAINERS)
        .setGetContainers(Response.GetContainers.newBuilder().addContainers(
            Response.GetContainers.Container.newBuilder()
                .setContainerId(id)
                .setContainerStatus(ContainerStatus.newBuilder().setExecutorPid(4242)
                    .setContainerId(id))
                .setResourceStatistics(ResourceStatistics.newBuilder()
                    .setTimestamp(1700000000.5).setCpusUserTimeSecs(1.25).setCpusLimit(0.5)
                    .setMemRssBytes(4096).setMemLimitBytes(33554432).setNetRxBytes(100)
                    .setDiskUsedBytes(8192).setProcesses(2).setMemTotalBytes(8192)
                    .setCpusSoftLimit(0.25))))
        .build();
    assertGolden(expected, wire, Response.parseFrom(wire));
  }

  @Test
  void trafficControlStatistics() throws InvalidProtocolBufferException {
    byte[] wire = Wire.of()
        .fixed64(STATS_TIMESTAMP, 1.0)
        .message(STATS_NET_TRAFFIC_CONTROL_STATISTICS, Wire.of()
            .string(TRAFFIC_CONTROL_ID, "tx_bw_cap")
            .varint(TRAFFIC_CONTROL_BYTES, 1500)
            .varint(TRAFFIC_CONTROL_DROPS, 3))
        .toByteArray();
    ResourceStatistics expected = ResourceStatistics.newBuilder().setTimestamp(1.0)
        .addNetTrafficControlStatistics(TrafficControlStatistics.newBuilder()
            .setId("tx_bw_cap").setBytes(1500).setDrops(3))
        .build();
    assertGolden(expected, wire, ResourceStatistics.parseFrom(wire));
  }

  @Test
  void statisticsFieldsWeDoNotModelSurviveAsUnknown() throws InvalidProtocolBufferException {
    // perf (13) is a nested PerfStatistics that Corral leaves out; a client's value must survive.
    // protobuf-java writes unknown fields after the known ones, so it is placed last here.
    byte[] perf = Wire.of().fixed64(1, 1.0).fixed64(2, 2.0).toByteArray();
    byte[] wire = Wire.of()
        .fixed64(STATS_TIMESTAMP, 3.0)
        .bytes(STATS_PERF, perf)
        .toByteArray();
    ResourceStatistics parsed = ResourceStatistics.parseFrom(wire);
    assertEquals(3.0, parsed.getTimestamp());
    assertTrue(parsed.getUnknownFields().hasField(STATS_PERF));
    assertArrayEquals(wire, parsed.toByteArray());
  }

  @Test
  void healthFlagsAndVersionResponses() throws InvalidProtocolBufferException {
    byte[] health = Wire.of().varint(RESPONSE_TYPE, RESPONSE_TYPE_GET_HEALTH)
        .message(RESPONSE_GET_HEALTH, Wire.of().bool(GET_HEALTH_HEALTHY, true)).toByteArray();
    assertGolden(Response.newBuilder().setType(Response.Type.GET_HEALTH)
        .setGetHealth(Response.GetHealth.newBuilder().setHealthy(true)).build(),
        health, Response.parseFrom(health));

    byte[] flags = Wire.of().varint(RESPONSE_TYPE, RESPONSE_TYPE_GET_FLAGS)
        .message(RESPONSE_GET_FLAGS, Wire.of().message(GET_FLAGS_FLAGS, Wire.of()
            .string(FLAG_NAME, "isolation").string(FLAG_VALUE, "posix/cpu,posix/mem")))
        .toByteArray();
    assertGolden(Response.newBuilder().setType(Response.Type.GET_FLAGS)
        .setGetFlags(Response.GetFlags.newBuilder().addFlags(
            Flag.newBuilder().setName("isolation").setValue("posix/cpu,posix/mem"))).build(),
        flags, Response.parseFrom(flags));

    byte[] version = Wire.of().varint(RESPONSE_TYPE, RESPONSE_TYPE_GET_VERSION)
        .message(RESPONSE_GET_VERSION, Wire.of().message(GET_VERSION_VERSION_INFO, Wire.of()
            .string(VERSION_INFO_VERSION, "1.11.0").string(VERSION_INFO_GIT_SHA, "abc")))
        .toByteArray();
    assertGolden(Response.newBuilder().setType(Response.Type.GET_VERSION)
        .setGetVersion(Response.GetVersion.newBuilder().setVersionInfo(
            VersionInfo.newBuilder().setVersion("1.11.0").setGitSha("abc"))).build(),
        version, Response.parseFrom(version));
  }

  @Test
  void mesosJsonWithProtoFieldNamesParses() throws InvalidProtocolBufferException {
    String json = "{\"type\":\"LAUNCH_CONTAINER\",\"launch_container\":{"
        + "\"container_id\":{\"value\":\"x\"},\"command\":{\"value\":\"true\"},"
        + "\"container\":{\"type\":\"MESOS\",\"linux_info\":{\"share_pid_namespace\":true},"
        + "\"rlimit_info\":{\"rlimits\":[{\"type\":\"RLMT_CORE\",\"hard\":0,\"soft\":0}]}}}}";
    Call.Builder call = Call.newBuilder();
    JsonFormat.parser().merge(json, call);
    assertEquals(Call.Type.LAUNCH_CONTAINER, call.getType());
    assertEquals("x", call.getLaunchContainer().getContainerId().getValue());
    assertTrue(call.getLaunchContainer().getContainer().getLinuxInfo().getSharePidNamespace());
    assertEquals(RLimitInfo.RLimit.Type.RLMT_CORE,
        call.getLaunchContainer().getContainer().getRlimitInfo().getRlimits(0).getType());
    String printed = JsonFormat.printer().preservingProtoFieldNames().print(call);
    assertTrue(printed.contains("\"launch_container\""), printed);
    assertTrue(printed.contains("\"share_pid_namespace\": true"), printed);
  }
}
