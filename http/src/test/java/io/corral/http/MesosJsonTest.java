package io.corral.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.BytesValue;
import com.google.protobuf.InvalidProtocolBufferException;
import io.corral.proto.v1.CommandInfo;
import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.ContainerInfo;
import io.corral.proto.v1.ContainerStatus;
import io.corral.proto.v1.Environment;
import io.corral.proto.v1.NetworkInfo;
import io.corral.proto.v1.RLimitInfo;
import io.corral.proto.v1.Resource;
import io.corral.proto.v1.ResourceStatistics;
import io.corral.proto.v1.Value;
import io.corral.proto.v1.agent.Call;
import io.corral.proto.v1.agent.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Both directions of the Mesos JSON mapping, on the real Mesos messages. */
class MesosJsonTest {

  @Test
  void printsSnakeCaseKeysEnumNamesAndIntegersAsNumbers() {
    Response response = Response.newBuilder()
        .setType(Response.Type.WAIT_CONTAINER)
        .setWaitContainer(Response.WaitContainer.newBuilder().setExitStatus(768))
        .build();
    assertEquals("{\"type\":\"WAIT_CONTAINER\",\"wait_container\":{\"exit_status\":768}}",
        MesosJson.print(response));
  }

  @Test
  void printsUnsigned64BitValuesAsPlainUnsignedNumbers() {
    ResourceStatistics stats = ResourceStatistics.newBuilder()
        .setTimestamp(1764100000.123456)
        .setMemLimitBytes(-1L)            // 2^64 - 1 as uint64
        .setMemRssBytes(9_007_199_254_740_993L)
        .setProcesses(-1)                 // 2^32 - 1 as uint32
        .build();
    assertEquals("{\"timestamp\":1764100000.12346,\"processes\":4294967295,"
        + "\"mem_limit_bytes\":18446744073709551615,\"mem_rss_bytes\":9007199254740993}",
        MesosJson.print(stats));
  }

  @Test
  void printsRepeatedFieldsAsArraysAndLeavesUnsetFieldsOut() {
    CommandInfo command = CommandInfo.newBuilder()
        .setShell(false).setValue("/bin/echo").addArguments("echo").addArguments("a \"b\"\n")
        .build();
    assertEquals("{\"shell\":false,\"value\":\"/bin/echo\","
        + "\"arguments\":[\"echo\",\"a \\\"b\\\"\\n\"]}", MesosJson.print(command));
    assertEquals("{}", MesosJson.print(Response.WaitContainer.getDefaultInstance()));
  }

  @Test
  void printsExplicitDefaultsOfUnsetFieldsButNotDeprecatedOnesAsStoutDoes() {
    NetworkInfo.IPAddress address =
        NetworkInfo.IPAddress.newBuilder().setIpAddress("10.0.0.2").build();
    assertEquals("{\"protocol\":\"IPv4\",\"ip_address\":\"10.0.0.2\"}", MesosJson.print(address));
    Resource cpus = Resource.newBuilder().setName("cpus").setType(Value.Type.SCALAR)
        .setScalar(Value.Scalar.newBuilder().setValue(0.5)).build();
    assertEquals("{\"name\":\"cpus\",\"type\":\"SCALAR\",\"scalar\":{\"value\":0.5}}",
        MesosJson.print(cpus));
  }

  @Test
  void printsDeclarationOrderAsStoutWalksTheDescriptor() {
    ContainerStatus status = ContainerStatus.newBuilder()
        .setExecutorPid(7).setContainerId(ContainerID.newBuilder().setValue("c")).build();
    assertEquals("{\"container_id\":{\"value\":\"c\"},\"executor_pid\":7}",
        MesosJson.print(status));
  }

  @Test
  void printsMapFieldsAsObjectsAndBytesAsBase64() {
    Call.LaunchContainer launch = Call.LaunchContainer.newBuilder()
        .setContainerId(ContainerID.newBuilder().setValue("c"))
        .putLimits("cpus", Value.Scalar.newBuilder().setValue(2).build())
        .build();
    assertEquals("{\"container_id\":{\"value\":\"c\"},\"limits\":{\"cpus\":{\"value\":2.0}}}",
        MesosJson.print(launch));
    assertEquals("{\"value\":\"aGk/\"}",
        MesosJson.print(BytesValue.of(ByteString.copyFromUtf8("hi?"))));
  }

  @ParameterizedTest
  @CsvSource({"64, 64.0", "0.5, 0.5", "0, 0.0", "1764100000.123456, 1764100000.12346",
      "1e20, 1.0e+20", "0.00001, 1.0e-05", "-2.5, -2.5", "0.1, 0.1"})
  void printsDoublesAsStoutDoes(double value, String text) {
    assertEquals(text, JsonWriter.number(value));
  }

  @Test
  void parsesSnakeCaseAndLowerCamelKeys() throws Exception {
    Call snake = parse("{\"type\":\"KILL_CONTAINER\",\"kill_container\":"
        + "{\"container_id\":{\"value\":\"c\"},\"signal\":15}}");
    Call camel = parse("{\"type\":\"KILL_CONTAINER\",\"killContainer\":"
        + "{\"containerId\":{\"value\":\"c\"},\"signal\":15}}");
    assertEquals(snake, camel);
    assertEquals(15, snake.getKillContainer().getSignal());
  }

  @Test
  void parsesIntegersGivenAsNumbersOrStringsAndBoolsAsStrings() throws Exception {
    RLimitInfo.RLimit limit = MesosJson.merge(
        "{\"type\":\"RLMT_NOFILE\",\"soft\":\"1024\",\"hard\":18446744073709551615}",
        RLimitInfo.RLimit.newBuilder()).build();
    assertEquals(1024, limit.getSoft());
    assertEquals(-1L, limit.getHard());
    Call call = parse("{\"type\":\"GET_CONTAINERS\",\"get_containers\":"
        + "{\"show_standalone\":\"true\"}}");
    assertTrue(call.getGetContainers().getShowStandalone());
  }

  @Test
  void ignoresUnknownKeysAndDropsUnknownEnumNames() throws Exception {
    Call call = parse("{\"type\":\"NO_SUCH_CALL\",\"nope\":{\"deep\":[1]},"
        + "\"get_containers\":{\"show_nested\":true,\"other\":1}}");
    assertFalse(call.hasType());
    assertTrue(call.getGetContainers().getShowNested());
  }

  @Test
  void refusesMalformedJsonAndMissingRequiredFields() {
    assertThrows(InvalidProtocolBufferException.class, () -> parse("{\"type\":"));
    assertThrows(InvalidProtocolBufferException.class,
        () -> parse("{\"type\":\"WAIT_CONTAINER\",\"wait_container\":{}}"));
  }

  @Test
  void aLaunchCallSurvivesPrintAndParse() throws Exception {
    Call call = Call.newBuilder()
        .setType(Call.Type.LAUNCH_CONTAINER)
        .setLaunchContainer(Call.LaunchContainer.newBuilder()
            .setContainerId(ContainerID.newBuilder().setValue("child")
                .setParent(ContainerID.newBuilder().setValue("parent")))
            .setCommand(CommandInfo.newBuilder().setValue("sleep 1")
                .setEnvironment(Environment.newBuilder().addVariables(
                    Environment.Variable.newBuilder().setName("K").setValue("v"))))
            .addResources(Resource.newBuilder().setName("mem").setType(Value.Type.SCALAR)
                .setScalar(Value.Scalar.newBuilder().setValue(64)))
            .setContainer(ContainerInfo.newBuilder().setType(ContainerInfo.Type.MESOS)
                .setRlimitInfo(RLimitInfo.newBuilder().addRlimits(RLimitInfo.RLimit.newBuilder()
                    .setType(RLimitInfo.RLimit.Type.RLMT_NOFILE).setSoft(1L << 40).setHard(-1L))))
            .putLimits("mem", Value.Scalar.newBuilder().setValue(128).build()))
        .build();
    String json = MesosJson.print(call);
    assertTrue(json.contains("\"soft\":1099511627776"), json);
    assertTrue(json.contains("\"hard\":18446744073709551615"), json);
    // Printed defaults (shell: true, Variable.type: VALUE) parse back as explicitly set, so
    // compare after setting them too.
    Environment.Variable variable = Environment.Variable.newBuilder()
        .setName("K").setValue("v").setType(Environment.Variable.Type.VALUE).build();
    Call expected = call.toBuilder().setLaunchContainer(call.getLaunchContainer().toBuilder()
        .setCommand(call.getLaunchContainer().getCommand().toBuilder().setShell(true)
            .setEnvironment(Environment.newBuilder().addVariables(variable))))
        .build();
    assertEquals(expected, parse(json));
  }

  private static Call parse(String json) throws InvalidProtocolBufferException {
    return MesosJson.merge(json, Call.newBuilder()).build();
  }
}
