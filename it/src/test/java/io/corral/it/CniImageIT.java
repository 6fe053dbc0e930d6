package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.images.testing.Registry;
import io.corral.images.testing.Skopeo;
import io.corral.images.testing.TestImages;
import io.corral.it.support.AgentClient;
import io.corral.it.support.AgentProcess;
import io.corral.it.support.CniFixture;
import io.corral.it.support.Host;
import io.corral.posix.MountSafeDelete;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code network/cni} for containers from an image (the busybox test image from Debian's
 * registry on loopback): on a network, the container has its address, its hostname and its own
 * {@code /etc/hosts}, {@code /etc/hostname} and {@code /etc/resolv.conf} inside its rootfs; on the
 * host network it sees the host's three files; nothing of either is left after REMOVE.
 */
@Tag("root")
class CniImageIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static Path temp;
  private static Registry registry;
  private static CniFixture cni;
  private static AgentProcess agent;

  @BeforeAll
  static void start() throws IOException {
    assumeTrue(Host.isRoot(), "needs root: mounts, pivot_root, network namespaces");
    assumeTrue(CniFixture.available(), "needs Debian's containernetworking-plugins in /usr/lib/cni");
    temp = Files.createTempDirectory("corral-cni-image-it-");
    TestImages.Built image = TestImages.busybox(temp.resolve("oci"), "test");
    registry = Registry.start(temp.resolve("registry"), new Registry.NoAuth());
    Skopeo.push(image.ociName(), registry.authority(), "busybox:latest", Skopeo.Format.V2S2, false, null);
    cni = new CniFixture();
    cni.config("10-cnit-i.conf", "{\"cniVersion\":\"0.4.0\",\"name\":\"cnit-i\"," + cni.bridgePlugin("cni-ti", 16, "cnit-i")
        .substring(1));
    agent = AgentProcess.start(cni.flags("--isolation=filesystem/linux,docker/runtime,namespaces/pid,network/cni",
        "--image_providers=docker", "--docker_registry=http://" + registry.authority(),
        "--default_container_dns={\"mesos\":[{\"network_mode\":\"CNI\",\"network_name\":\"cnit-i\","
            + "\"dns\":{\"nameservers\":[\"10.199.16.53\"],\"search\":[\"corral.test\"]}}]}"));
  }

  @AfterAll
  static void stop() throws IOException {
    if (agent != null) {
      agent.close();
    }
    if (registry != null) {
      registry.close();
    }
    if (cni != null) {
      cni.close();
    }
    if (temp != null) {
      MountSafeDelete.deleteRecursively(temp);
    }
  }

  private static String launch(String id, String script, String networks) {
    return AgentClient.launchJsonRaw("\"container_id\":{\"value\":\"" + id + "\"},\"command\":{\"value\":"
        + AgentClient.quote(script) + "},\"container\":{\"type\":\"MESOS\",\"hostname\":\"boxed\","
        + "\"mesos\":{\"image\":{\"type\":\"DOCKER\",\"docker\":{\"name\":\"busybox\"}}},\"network_infos\":[" + networks + "]}");
  }

  private static String sandboxFile(String id, String name) throws IOException {
    return Files.readString(agent.sandbox(id).resolve(name));
  }

  @Test
  void anImageContainerOnANetworkHasItsAddressHostnameAndEtcFiles() throws IOException {
    String script = "hostname > $MESOS_SANDBOX/hn; cat /etc/hosts > $MESOS_SANDBOX/hosts;"
        + " cat /etc/resolv.conf > $MESOS_SANDBOX/resolv; ip -o -4 addr show eth0 > $MESOS_SANDBOX/addr";
    HttpResponse<String> launched = agent.client().postJson(launch("imgnet", script + "; exec sleep 1000",
        "{\"name\":\"cnit-i\"}"));
    assertEquals(200, launched.statusCode(), launched.body() + agent.logTail());
    String ip = CniNetworkIT.ip(agent, "imgnet");
    assertTrue(ip.startsWith("10.199.16."), ip);
    io.corral.it.support.Eventually.await(TIMEOUT, () -> CniNetworkIT.read(agent.sandbox("imgnet").resolve("addr"))
        .contains(ip), "the container sees its address on eth0");
    assertEquals("boxed\n", sandboxFile("imgnet", "hn"));
    assertTrue(sandboxFile("imgnet", "hosts").contains(ip + " boxed\n"), sandboxFile("imgnet", "hosts"));
    assertEquals("search corral.test\nnameserver 10.199.16.53\n", sandboxFile("imgnet", "resolv"));
    assertEquals(200, agent.client().kill("imgnet"));
    agent.client().waitFor("imgnet", TIMEOUT);
    assertEquals(200, agent.client().remove("imgnet"), agent.logTail());
    assertEquals(java.util.Set.of(), cni.leaseFiles("cnit-i"));
    assertEquals(java.util.Set.of(), CniFixture.veths("cni-ti"));
    assertTrue(Host.mounts().stream().noneMatch(m -> m.contains("isolators/network/cni")), "no namespace mount left");
  }

  @Test
  void anImageContainerOnTheHostNetworkSeesTheHostsFiles() throws IOException {
    String script = "cat /etc/hosts > $MESOS_SANDBOX/hosts; cat /etc/resolv.conf > $MESOS_SANDBOX/resolv";
    String body = launch("imghost", script, "").replace(",\"hostname\":\"boxed\"", "");
    HttpResponse<String> launched = agent.client().postJson(body);
    assertEquals(200, launched.statusCode(), launched.body() + agent.logTail());
    assertEquals(0, agent.client().waitFor("imghost", TIMEOUT).getExitStatus(), agent.logTail());
    assertEquals(Files.readString(Path.of("/etc/hosts")), sandboxFile("imghost", "hosts"));
    assertEquals(Files.readString(Path.of("/etc/resolv.conf")), sandboxFile("imghost", "resolv"));
    assertEquals(200, agent.client().remove("imghost"), agent.logTail());
  }
}
