package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.images.testing.Registry;
import io.corral.images.testing.Skopeo;
import io.corral.images.testing.TestImages;
import io.corral.it.support.AgentClient;
import io.corral.it.support.AgentProcess;
import io.corral.it.support.Eventually;
import io.corral.it.support.Host;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Containers from a Docker image, end to end: Debian's registry on loopback serves the busybox
 * test image (two layers, with whiteouts, an opaque directory and a hard link, pushed by skopeo);
 * a real agent with {@code --image_providers=docker --isolation=filesystem/linux,docker/runtime}
 * pulls it and runs containers on its root filesystem; REMOVE leaves no mount, upper layer or
 * root filesystem.
 */
@Tag("root")
class ImageContainerIT {
  static ImageFixture images;
  static AgentProcess agent;
  static AgentClient client;

  @BeforeAll
  static void start() throws IOException {
    assumeTrue(Host.isRoot(), "needs root: mounts, pivot_root, device nodes");
    images = ImageFixture.start("corral-image-it-", new Registry.NoAuth());
    TestImages.Built image = TestImages.busybox(images.temp.resolve("oci"), "test");
    images.push(image.ociName(), "busybox:latest");
    images.push(image.ociName(), "busybox:oci", Skopeo.Format.OCI);
    agent = AgentProcess.start(images.flags());
    client = agent.client();
  }

  @AfterAll
  static void stop() throws IOException {
    if (agent != null) {
      agent.close();
    }
    if (images != null) {
      images.close();
    }
  }

  /** LAUNCH_CONTAINER of {@code image} with the given {@code command} object body. */
  static String launch(String id, String image, String command) {
    return AgentClient.launchJsonRaw("\"container_id\":{\"value\":" + AgentClient.quote(id) + "},"
        + "\"command\":" + command + ","
        + "\"container\":{\"type\":\"MESOS\",\"mesos\":{\"image\":{\"type\":\"DOCKER\","
        + "\"docker\":{\"name\":" + AgentClient.quote(image) + "}}}}");
  }

  static String shell(String value) {
    return "{\"value\":" + AgentClient.quote(value) + "}";
  }

  private static List<String> stdout(String id) throws IOException {
    return Files.readAllLines(agent.sandbox(id).resolve("stdout"));
  }

  @Test
  void theContainerRunsOnTheImagesFilesWithItsEnvironmentAndUser() throws IOException {
    String script = String.join("; ",
        "set -e", "cat /etc/motd", "ls /etc/opq.d", "test ! -e /etc/removed-by-upper", "test ! -e /etc/gone.d",
        "test ! -e " + agent.workDir(), "test ! -e /usr/lib/jvm",
        "echo pid1=$(cat /proc/1/comm)", "echo sandbox=$MESOS_SANDBOX greeting=$GREETING",
        "echo pwd=$(pwd) id=$(id -u):$(id -g)", "echo from-the-container > $MESOS_SANDBOX/written");
    HttpResponse<String> launched = client.postJson(launch("files", "busybox", shell(script)));
    assertEquals(200, launched.statusCode(), launched.body() + "\n" + agent.logTail());
    assertEquals(0, client.waitFor("files").getExitStatus(), String.join("\n", stdout("files")) + agent.logTail());
    assertEquals(List.of("welcome to corral", "new", "pid1=corral-init",
        "sandbox=/mnt/mesos/sandbox greeting=corral", "pwd=/app id=1000:1000"), stdout("files"));
    assertEquals("from-the-container\n", Files.readString(agent.sandbox("files").resolve("written")));
  }

  @Test
  void withoutACommandValueTheImagesEntrypointAndCmdRun() throws IOException {
    HttpResponse<String> launched = client.postJson(launch("defaults", "busybox:oci", "{\"shell\":false}"));
    assertEquals(200, launched.statusCode(), launched.body() + "\n" + agent.logTail());
    assertEquals(0, client.waitFor("defaults").getExitStatus(), agent.logTail());
    assertEquals(List.of("hello corral from /app as 1000:1000"), stdout("defaults"));
  }

  @Test
  void aMissingTagFailsTheLaunchNamingItAndLeavesNothing() {
    HttpResponse<String> launched = client.postJson(launch("missing", "busybox:nope", shell("true")));
    assertFalse(launched.statusCode() == 200, launched.body());
    assertTrue(launched.body().contains("busybox:nope"), launched.body());
    assertEquals(200, client.remove("missing"));
    assertLeftNothing("missing");
  }

  @Test
  void removeLeavesNoMountNoUpperLayerAndNoRootfs() throws IOException {
    assertEquals(200, client.postJson(launch("removed", "busybox", shell("echo x > /tmp/upper"))).statusCode(),
        agent.logTail());
    assertEquals(0, client.waitFor("removed").getExitStatus(), agent.logTail());
    assertEquals(200, client.remove("removed"));
    assertLeftNothing("removed");
  }

  @Test
  void anImageOnAnAgentWithoutImagesIsA400NamingTheFlags() {
    try (AgentProcess plain = AgentProcess.start(AgentProcess.FULL_ISOLATION)) {
      HttpResponse<String> refused = plain.client().postJson(launch("noimages", "busybox", shell("true")));
      assertEquals(400, refused.statusCode(), refused.body());
      assertTrue(refused.body().contains("--image_providers=docker"), refused.body());
      assertFalse(Files.exists(plain.sandbox("noimages")));
    }
  }

  static void assertLeftNothing(String id) {
    assertLeftNothing(agent, id);
  }

  /** Nothing of container {@code id}'s root filesystem is left on {@code agent}'s host. */
  static void assertLeftNothing(AgentProcess agent, String id) {
    Path provisioned = agent.workDir().resolve("provisioner").resolve("containers").resolve(id);
    assertFalse(Files.exists(provisioned), provisioned + " is left");
    assertTrue(Host.mounts().stream().noneMatch(m -> m.contains(provisioned.toString())),
        "a mount under " + provisioned + " is left");
    Path trash = provisioned.resolveSibling(".trash");
    Eventually.await(Duration.ofSeconds(30), () -> Host.entries(trash).stream().noneMatch(e -> e.startsWith(id + "-")),
        () -> "the deleted rootfs of '" + id + "' is left in " + trash + ": " + Host.entries(trash));
  }
}
