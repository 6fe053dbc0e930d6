package io.corral.isolators.network.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.corral.proto.v1.Labels;
import io.corral.proto.v1.Label;
import io.corral.proto.v1.NetworkInfo;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** CNI results of every spec version, plugin errors, DNS and the stdin plugins get. */
class CniParsingTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void readsTheAddressesOfEveryResultFormat() {
    CniResult v1 = CniResult.parse("{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"eth0\"}],"
        + "\"ips\":[{\"interface\":0,\"address\":\"10.199.0.2/24\",\"gateway\":\"10.199.0.1\"},"
        + "{\"address\":\"fd00::2/64\"}],\"dns\":{\"nameservers\":[\"10.0.0.53\"],\"search\":[\"a.b\"]}}");
    assertEquals(List.of("10.199.0.2", "fd00::2"), v1.addresses());
    assertEquals(Optional.of("10.199.0.2"), v1.firstIpv4());
    assertEquals("search a.b\nnameserver 10.0.0.53\n", v1.dns().resolvConf());
    CniResult v02 = CniResult.parse("{\"cniVersion\":\"0.2.0\",\"ip4\":{\"ip\":\"10.199.0.4/24\"},"
        + "\"ip6\":{\"ip\":\"fd00::4/64\"},\"dns\":{}}");
    assertEquals(List.of("10.199.0.4", "fd00::4"), v02.addresses());
    assertEquals(List.of(), CniResult.parse("{\"cniVersion\":\"1.0.0\"}").addresses());
  }

  @Test
  void refusesMalformedResults() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> CniResult.parse("garbage{")).getMessage()
        .startsWith("malformed result 'garbage{'"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> CniResult.parse("[1]")).getMessage()
        .endsWith("not a JSON object"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> CniResult.parse("{\"ips\":[{\"address\":\"$(rm -rf /)/24\"}]}")).getMessage()
        .contains("is not an IP address"));
  }

  @Test
  void readsAPluginsJsonError() {
    assertEquals(Optional.of("incompatible CNI versions (config is 9.9.9) [code 1]"),
        CniResult.error("{\"code\":1,\"msg\":\"incompatible CNI versions\",\"details\":\"config is 9.9.9\"}"));
    assertEquals(Optional.empty(), CniResult.error("not json"));
  }

  @Test
  void aPluginGetsTheNetworksNameVersionNetworkInfoPortMappingsAndPrevResult() throws Exception {
    ObjectNode portmap = (ObjectNode) JSON.readTree("{\"type\":\"portmap\",\"capabilities\":{\"portMappings\":true}}");
    NetworkConfigs.Network network = new NetworkConfigs.Network("blue", Path.of("/x"), "1.0.0", List.of(portmap));
    NetworkInfo info = NetworkInfo.newBuilder().setName("blue")
        .setLabels(Labels.newBuilder().addLabels(Label.newBuilder().setKey("k").setValue("v")))
        .addPortMappings(NetworkInfo.PortMapping.newBuilder().setHostPort(8080).setContainerPort(80)).build();
    CniResult prev = CniResult.parse("{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.1.0.2/24\"}]}");
    ObjectNode stdin = CniCalls.stdin(new CniCalls.Attachment("c1", network, "eth0", info), portmap, Optional.of(prev));
    assertEquals("blue", stdin.get("name").asText());
    assertEquals("1.0.0", stdin.get("cniVersion").asText());
    ObjectNode mesos = (ObjectNode) stdin.get("args").get("org.apache.mesos").get("network_info");
    assertEquals("blue", mesos.get("name").asText());
    assertEquals("v", mesos.get("labels").get("labels").get(0).get("value").asText());
    assertEquals(8080, mesos.get("port_mappings").get(0).get("host_port").asInt());
    assertEquals("{\"hostPort\":8080,\"containerPort\":80,\"protocol\":\"tcp\"}",
        stdin.get("runtimeConfig").get("portMappings").get(0).toString());
    assertEquals("10.1.0.2/24", stdin.get("prevResult").get("ips").get(0).get("address").asText());
    assertFalse(portmap.has("args"), "the configuration itself is not changed");
  }

  @Test
  void withoutTheCapabilityNoRuntimeConfig() throws Exception {
    ObjectNode bridge = (ObjectNode) JSON.readTree("{\"type\":\"bridge\"}");
    NetworkConfigs.Network network = new NetworkConfigs.Network("blue", Path.of("/x"), "0.2.0", List.of(bridge));
    NetworkInfo info = NetworkInfo.newBuilder().setName("blue")
        .addPortMappings(NetworkInfo.PortMapping.newBuilder().setHostPort(1).setContainerPort(2)).build();
    ObjectNode stdin = CniCalls.stdin(new CniCalls.Attachment("c1", network, "eth0", info), bridge, Optional.empty());
    assertFalse(stdin.has("runtimeConfig"));
    assertFalse(stdin.has("prevResult"));
  }

  @Test
  void comparesVersions() {
    assertTrue(CniCalls.atLeast("0.4.0", 0, 4));
    assertTrue(CniCalls.atLeast("1.0.0", 0, 4));
    assertFalse(CniCalls.atLeast("0.3.1", 0, 4));
    assertFalse(CniCalls.atLeast("x", 0, 4));
  }

  @Test
  void parsesDefaultContainerDns() {
    ContainerDns dns = ContainerDns.parse("{\"mesos\":[{\"network_mode\":\"CNI\",\"network_name\":\"blue\","
        + "\"dns\":{\"nameservers\":[\"10.0.0.1\"]}},{\"network_mode\":\"CNI\",\"dns\":{\"nameservers\":[\"10.0.0.2\"],"
        + "\"domain\":\"d\",\"options\":[\"ndots:2\"]}},{\"network_mode\":\"HOST\",\"dns\":{}}],\"docker\":[]}");
    assertEquals(List.of("10.0.0.1"), dns.forNetwork("blue").orElseThrow().nameservers());
    assertEquals("domain d\nnameserver 10.0.0.2\noptions ndots:2\n", dns.forNetwork("red").orElseThrow().resolvConf());
    assertEquals(Optional.empty(), ContainerDns.NONE.forNetwork("blue"));
    assertEquals("Failed to parse --default_container_dns: multiple DNS entries for CNI network 'b'",
        assertThrows(IllegalArgumentException.class, () -> ContainerDns.parse("{\"mesos\":["
            + "{\"network_mode\":\"CNI\",\"network_name\":\"b\"},{\"network_mode\":\"CNI\",\"network_name\":\"b\"}]}"))
            .getMessage());
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ContainerDns.parse("{\"mesos\":["
        + "{\"network_mode\":\"HOST\",\"network_name\":\"b\"}]}")).getMessage().contains("HOST network mode"));
    assertThrows(IllegalArgumentException.class, () -> ContainerDns.parse("{"));
  }
}
