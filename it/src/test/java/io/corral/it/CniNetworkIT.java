package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.it.support.AgentClient;
import io.corral.it.support.AgentProcess;
import io.corral.it.support.CniFixture;
import io.corral.it.support.Eventually;
import io.corral.it.support.Host;
import io.corral.proto.v1.NetworkInfo;
import io.corral.proto.v1.agent.Response;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code network/cni} with Debian's real plugins (bridge, host-local, portmap) on private test
 * subnets: containers on one network reach each other and are reached from the host by the
 * addresses the agent reports, a container on two networks gets both, a port mapping reaches a
 * container from the host's loopback, the container's hostname and /etc files are its own (the
 * host's stay as they were), and a container without a network shares the host's namespace.
 */
@Tag("root")
class CniNetworkIT {
  static final String ISOLATION = "--isolation=filesystem/posix,posix/cpu,posix/mem,namespaces/pid,network/cni";
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static CniFixture cni;
  private static AgentProcess agent;
  private static Path www;

  @BeforeAll
  static void start() throws IOException {
    assumeTrue(Host.isRoot(), "needs root: network namespaces, bridges and CNI plugins");
    assumeTrue(CniFixture.available(), "needs Debian's containernetworking-plugins in /usr/lib/cni");
    cni = new CniFixture();
    cni.config("10-cnit-a.conflist", "{\"cniVersion\":\"1.0.0\",\"name\":\"cnit-a\",\"plugins\":["
        + cni.bridgePlugin("cni-ta", 11, "cnit-a")
        + ",{\"type\":\"portmap\",\"capabilities\":{\"portMappings\":true},\"snat\":true}]}");
    cni.config("20-cnit-b.conf", "{\"cniVersion\":\"0.2.0\",\"name\":\"cnit-b\"," + cni.bridgePlugin("cni-tb", 12, "cnit-b")
        .substring(1));
    www = Files.createTempDirectory("corral-cni-www-");
    Files.writeString(www.resolve("index.html"), "hello from a container\n");
    agent = AgentProcess.start(cni.flags(ISOLATION));
  }

  @AfterAll
  static void stop() throws IOException {
    if (agent != null) {
      agent.close();
    }
    if (cni != null) {
      cni.close();
    }
    if (www != null) {
      Files.deleteIfExists(www.resolve("index.html"));
      Files.deleteIfExists(www);
    }
  }

  static String launch(String id, String command, String networkInfos) {
    return AgentClient.launchJsonRaw("\"container_id\":{\"value\":\"" + id + "\"},\"command\":{\"value\":"
        + AgentClient.quote(command) + "},\"container\":{\"type\":\"MESOS\",\"network_infos\":[" + networkInfos + "]}");
  }

  static List<NetworkInfo> networks(AgentProcess on, String id) {
    Response.GetContainers.Container c = on.client().container(id).orElseThrow(
        () -> new AssertionError("GET_CONTAINERS does not list '" + id + "'\n" + on.logTail()));
    return c.getContainerStatus().getNetworkInfosList();
  }

  static String ip(AgentProcess on, String id) {
    return networks(on, id).get(0).getIpAddresses(0).getIpAddress();
  }

  private static String httpGet(String host, int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), 2000);
      socket.setSoTimeout(5000);
      socket.getOutputStream().write(("GET / HTTP/1.0\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      try (InputStream in = socket.getInputStream()) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      return "failed: " + e;
    }
  }

  private static String httpd(int port) {
    return "exec busybox httpd -f -p " + port + " -h " + www;
  }

  @Test
  void containersOnANetworkReachEachOtherAndTheHostReachesThem() throws IOException {
    String hostsBefore = Files.readString(Path.of("/etc/hosts"));
    AgentClient client = agent.client();
    assertEquals(200, client.postJson(launch("web", httpd(7000), "{\"name\":\"cnit-a\"}")).statusCode(), agent.logTail());
    String web = ip(agent, "web");
    assertTrue(web.startsWith("10.199.11."), "the address on cnit-a: " + networks(agent, "web"));
    assertEquals("cnit-a", networks(agent, "web").get(0).getName());
    Eventually.await(TIMEOUT, () -> httpGet(web, 7000).contains("hello from a container"),
        () -> "the host reaches the container at " + web + ":7000: " + httpGet(web, 7000));

    String probe = "busybox wget -q -O fetched http://" + web + ":7000/ && hostname > hostname"
        + " && cat /etc/hosts > hosts && ip -o link show lo > lo && readlink /proc/self/ns/net > ns"
        + " && { (echo x >> /etc/hosts) 2> rw; true; }";
    assertEquals(200, client.postJson(launch("client", probe, "{\"name\":\"cnit-a\"}")).statusCode(), agent.logTail());
    assertEquals(0, client.waitFor("client", TIMEOUT).getExitStatus(), agent.logTail());
    Path sandbox = agent.sandbox("client");
    assertEquals("hello from a container", Files.readString(sandbox.resolve("fetched")).strip());
    assertEquals("client", Files.readString(sandbox.resolve("hostname")).strip());
    assertTrue(Files.readString(sandbox.resolve("hosts")).matches("(?s).*\\n10\\.199\\.11\\.\\d+ client\\n.*"),
        Files.readString(sandbox.resolve("hosts")));
    assertTrue(Files.readString(sandbox.resolve("lo")).contains("UP"), Files.readString(sandbox.resolve("lo")));
    String hostNs = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
    assertTrue(!Files.readString(sandbox.resolve("ns")).strip().equals(hostNs), "a namespace of its own");
    assertTrue(Files.readString(sandbox.resolve("rw")).contains("Read-only file system"), Files.readString(sandbox.resolve("rw")));
    assertEquals(hostsBefore, Files.readString(Path.of("/etc/hosts")), "the host's /etc/hosts is unchanged");

    assertEquals(200, client.kill("web"));
    client.waitFor("web", TIMEOUT);
    assertEquals(200, client.remove("web"));
    assertEquals(200, client.remove("client"));
  }

  @Test
  void aContainerWithoutANetworkSharesTheHostsNetworkNamespace() throws IOException {
    AgentClient client = agent.client();
    assertEquals(200, client.launch("hostnet", "readlink /proc/self/ns/net > ns; exec sleep 1000"), agent.logTail());
    assertEquals(0, networks(agent, "hostnet").size(), "no network_infos on the host network");
    String hostNs = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
    Path ns = agent.sandbox("hostnet").resolve("ns");
    Eventually.await(TIMEOUT, () -> read(ns).contains("net:"), "the container writes its namespace");
    assertEquals(hostNs, read(ns).strip());
    assertEquals(200, client.kill("hostnet"));
    client.waitFor("hostnet", TIMEOUT);
    assertEquals(200, client.remove("hostnet"));
  }

  @Test
  void aContainerJoinsTwoNetworksAtOnce() throws IOException {
    AgentClient client = agent.client();
    String both = "{\"name\":\"cnit-a\",\"labels\":{\"labels\":[{\"key\":\"k\",\"value\":\"v\"}]}},{\"name\":\"cnit-b\"}";
    assertEquals(200, client.postJson(launch("two", "ip -o -4 addr show > addrs; exec sleep 1000", both)).statusCode(),
        agent.logTail());
    List<NetworkInfo> infos = networks(agent, "two");
    assertEquals(2, infos.size(), infos.toString());
    assertEquals("cnit-a", infos.get(0).getName());
    assertEquals("v", infos.get(0).getLabels().getLabels(0).getValue());
    assertTrue(infos.get(0).getIpAddresses(0).getIpAddress().startsWith("10.199.11."), infos.toString());
    assertTrue(infos.get(1).getIpAddresses(0).getIpAddress().startsWith("10.199.12."), infos.toString());
    Path addrs = agent.sandbox("two").resolve("addrs");
    Eventually.await(TIMEOUT, () -> read(addrs).contains("eth1"), () -> "eth0 and eth1: " + read(addrs));
    assertTrue(read(addrs).contains("eth0") && read(addrs).contains(infos.get(1).getIpAddresses(0).getIpAddress()));
    String state = client.request("GET", "/containers").body();
    assertTrue(state.contains(infos.get(1).getIpAddresses(0).getIpAddress()), state);
    String agentState = client.request("GET", "/state").body();
    assertTrue(agentState.contains(infos.get(1).getIpAddresses(0).getIpAddress()), agentState);
    assertEquals(200, client.kill("two"));
    client.waitFor("two", TIMEOUT);
    assertEquals(200, client.remove("two"));
  }

  @Test
  void aPortMappingReachesTheContainerFromTheHostsLoopback() {
    AgentClient client = agent.client();
    String mapped = "{\"name\":\"cnit-a\",\"port_mappings\":[{\"host_port\":17171,\"container_port\":7001}]}";
    assertEquals(200, client.postJson(launch("mapped", httpd(7001), mapped)).statusCode(), agent.logTail());
    Eventually.await(TIMEOUT, () -> httpGet("127.0.0.1", 17171).contains("hello from a container"),
        () -> "127.0.0.1:17171 reaches the container's 7001: " + httpGet("127.0.0.1", 17171));
    assertEquals(200, client.kill("mapped"));
    client.waitFor("mapped", TIMEOUT);
    assertEquals(200, client.remove("mapped"));
    assertTrue(cni.newRules("nat").stream().noneMatch(r -> r.contains("17171")), "portmap's DNAT rule is gone");
  }

  static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file) : "";
    } catch (IOException e) {
      return "";
    }
  }
}
