package io.corral.isolators.network.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.isolators.ContainerContext;
import io.corral.isolators.IsolatorException;
import io.corral.proto.v1.CommandInfo;
import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.ContainerInfo;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.Namespace;
import io.corral.proto.v1.NetworkInfo;
import io.corral.proto.v1.agent.Call;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which networks a launch joins, the refusals at LAUNCH, the configuration directory and the plan. */
class NetworksTest {
  @TempDir Path temp;

  private CniIsolator isolator() throws IOException {
    Path plugins = Files.createDirectories(temp.resolve("plugins"));
    for (String p : List.of("bridge", "host-local", "portmap")) {
      Files.writeString(plugins.resolve(p), "#!/bin/sh\n");
      Files.setPosixFilePermissions(plugins.resolve(p), PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    Path conf = Files.createDirectories(temp.resolve("net.d"));
    Files.writeString(conf.resolve("10-blue.conf"), "{\"cniVersion\":\"0.2.0\",\"name\":\"blue\",\"type\":\"bridge\","
        + "\"ipam\":{\"type\":\"host-local\"}}");
    Files.writeString(conf.resolve("20-red.conflist"), "{\"cniVersion\":\"1.0.0\",\"name\":\"red\",\"plugins\":"
        + "[{\"type\":\"bridge\"},{\"type\":\"portmap\"}]}");
    Files.writeString(conf.resolve("30-blue-again.conf"), "{\"name\":\"blue\",\"type\":\"bridge\"}");
    Files.writeString(conf.resolve("40-noipam.conf"), "{\"name\":\"green\",\"type\":\"bridge\",\"ipam\":{\"type\":\"dhcp\"}}");
    Files.writeString(conf.resolve("50-reserved.conf"), "{\"name\":\"pink\",\"type\":\"bridge\","
        + "\"args\":{\"org.apache.mesos\":{}}}");
    Files.writeString(conf.resolve("60-path.conf"), "{\"name\":\"../up\",\"type\":\"bridge\"}");
    return new CniIsolator(new CniConfig(Optional.of(conf), List.of(plugins), temp.resolve("root"),
        Duration.ofSeconds(1), ContainerDns.NONE, null));
  }

  private static ContainerInfo joining(String... names) {
    ContainerInfo.Builder info = ContainerInfo.newBuilder().setType(ContainerInfo.Type.MESOS);
    for (String name : names) {
      info.addNetworkInfos(NetworkInfo.newBuilder().setName(name));
    }
    return info.build();
  }

  private static Optional<String> invalid(CniIsolator isolator, ContainerInfo info) {
    return isolator.invalid(info, CommandInfo.getDefaultInstance());
  }

  @Test
  void knowsTheNetworksOfTheDirectoryAndSaysWhyFilesWereSkipped() throws IOException {
    CniIsolator isolator = isolator();
    assertEquals(Optional.empty(), invalid(isolator, joining("blue", "red")));
    String refused = invalid(isolator, joining("blue", "nowhere")).orElseThrow();
    assertTrue(refused.startsWith("unknown CNI network 'nowhere' (known networks: 'blue', 'red'; "), refused);
    assertTrue(refused.contains("skipped '30-blue-again.conf': the network name 'blue' is already taken by"
        + " '10-blue.conf'"), refused);
    assertTrue(refused.contains("skipped '40-noipam.conf': the IPAM plugin 'dhcp' is not in the plugins path"), refused);
    assertTrue(refused.contains("skipped '50-reserved.conf': 'org.apache.mesos' in 'args' is reserved"), refused);
    assertTrue(refused.contains("skipped '60-path.conf': the network name '../up' is not"), refused);
  }

  @Test
  void rereadsTheDirectoryWhenItChanges() throws IOException {
    CniIsolator isolator = isolator();
    assertTrue(invalid(isolator, joining("yellow")).isPresent());
    Files.writeString(temp.resolve("net.d/70-yellow.conf"), "{\"name\":\"yellow\",\"type\":\"bridge\"}");
    assertEquals(Optional.empty(), invalid(isolator, joining("yellow")));
    Files.delete(temp.resolve("net.d/70-yellow.conf"));
    assertTrue(invalid(isolator, joining("yellow")).isPresent());
  }

  @Test
  void refusesWhatItCannotHonour() throws IOException {
    CniIsolator isolator = isolator();
    assertEquals("it joins CNI network 'blue' more than once", invalid(isolator, joining("blue", "blue")).orElseThrow());
    assertEquals("a hostname ('container.hostname') needs a CNI network: a container on the host network shares the"
        + " host's hostname", invalid(isolator, joining().toBuilder().setHostname("h").build()).orElseThrow());
    ContainerInfo nameless = joining().toBuilder().addNetworkInfos(NetworkInfo.newBuilder().addGroups("g")).build();
    assertTrue(invalid(isolator, nameless).orElseThrow().startsWith("'container.network_infos[0]' names no CNI network"));
    assertEquals(Optional.empty(), invalid(isolator, joining().toBuilder()
        .addNetworkInfos(NetworkInfo.getDefaultInstance()).build()), "an empty NetworkInfo is the host network");
    assertTrue(invalid(isolator, joining("blue").toBuilder().setHostname("h".repeat(65)).build()).orElseThrow()
        .contains("longer than 64 characters"));
  }

  @Test
  void anAgentWithoutCniFlagsRefusesEveryNetwork() {
    CniIsolator isolator = new CniIsolator(CniConfig.disabled());
    assertTrue(invalid(isolator, joining("blue")).orElseThrow().startsWith("unknown CNI network 'blue': this agent has"
        + " no CNI networks"));
    assertEquals(Optional.empty(), invalid(isolator, joining()));
    assertEquals(java.util.Set.of("container.network_infos", "container.hostname"), isolator.honours());
  }

  @Test
  void planAContainerOnNetworksAndCheckpointItsConfigurations() throws IOException {
    CniIsolator isolator = isolator();
    Call.LaunchContainer launch = Call.LaunchContainer.newBuilder()
        .setContainerId(ContainerID.newBuilder().setValue("c1"))
        .setContainer(joining("red", "blue").toBuilder().setHostname("box")).build();
    LaunchPlan plan = isolator.prepare(new ContainerContext(launch.getContainerId(), launch, temp, temp));
    assertEquals(List.of(Namespace.NET, Namespace.UTS, Namespace.MOUNT), plan.getCloneNamespacesList());
    assertEquals("box", plan.getHostname());
    assertEquals(List.of("LIBPROCESS_IP=0.0.0.0"), plan.getEnvironmentList());
    assertTrue(plan.getMountsList().stream().allMatch(m -> m.getTarget().startsWith("/etc/") && !m.getCreateTarget()));
    assertTrue(Files.isRegularFile(temp.resolve("root/c1/red/network.conf")));
    assertTrue(Files.isDirectory(temp.resolve("root/c1/red/eth0")));
    assertTrue(Files.isDirectory(temp.resolve("root/c1/blue/eth1")));
    assertTrue(Files.readString(temp.resolve("root/c1/blue/network.conf")).contains("\"plugins\""));
  }

  @Test
  void aContainerWithoutNetworksIsLeftOnTheHostNetwork() throws IOException {
    Call.LaunchContainer launch = Call.LaunchContainer.newBuilder()
        .setContainerId(ContainerID.newBuilder().setValue("c2")).build();
    assertEquals(LaunchPlan.getDefaultInstance(),
        isolator().prepare(new ContainerContext(launch.getContainerId(), launch, temp, temp)));
  }

  @Test
  void aLongIdNeedsAHostname() throws IOException {
    String id = "x".repeat(65);
    Call.LaunchContainer launch = Call.LaunchContainer.newBuilder()
        .setContainerId(ContainerID.newBuilder().setValue(id)).setContainer(joining("blue")).build();
    CniIsolator isolator = isolator();
    assertEquals("its id ('container_id', 65 characters) is its hostname on CNI networks and is longer than 64"
        + " characters: set 'container.hostname'",
        isolator.invalid(launch.getContainerId(), launch.getContainer(), CommandInfo.getDefaultInstance()).orElseThrow());
    ContainerID sixtyFour = ContainerID.newBuilder().setValue("x".repeat(64)).build();
    assertEquals(Optional.empty(), isolator.invalid(sixtyFour, joining("blue"), CommandInfo.getDefaultInstance()));
    assertEquals(Optional.empty(), isolator.invalid(launch.getContainerId(),
        joining("blue").toBuilder().setHostname("short").build(), CommandInfo.getDefaultInstance()), "a hostname is set");
    assertEquals(Optional.empty(), isolator.invalid(launch.getContainerId(), joining(), CommandInfo.getDefaultInstance()),
        "the host network keeps the host's hostname");
    assertTrue(assertThrows(IsolatorException.class,
        () -> isolator.prepare(new ContainerContext(launch.getContainerId(), launch, temp, temp)))
        .getMessage().contains("set 'container.hostname'"));
  }
}
