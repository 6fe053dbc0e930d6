package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.images.testing.LayerTar;
import io.corral.images.testing.OciLayout;
import io.corral.images.testing.Registry;
import io.corral.images.testing.TestImages;
import io.corral.it.support.AgentProcess;
import io.corral.it.support.Host;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Launches whose image cannot be had fail with a message that says why, and leave nothing: a
 * registry with Basic authentication (Debian's registry with an htpasswd file) without or with
 * wrong credentials, the same registry with the right ones given by {@code --docker_config}, an
 * unreachable registry, and an image whose layer reaches outside its directory (through
 * {@code ..} and through a symbolic link) — refused, with nothing written outside the store.
 */
@Tag("root")
class ImageFailuresIT {
  static ImageFixture images;
  static Path temp;
  static AgentProcess agent;

  @BeforeAll
  static void start() throws IOException {
    assumeTrue(Host.isRoot(), "needs root: images");
    images = ImageFixture.start("corral-image-failures-", new Registry.Basic("corral", "s3cret"));
    temp = images.temp;
    TestImages.Built image = TestImages.busybox(temp.resolve("oci"), "test");
    OciLayout layout = image.layout();
    layout.tag(layout.image(List.of(TestImages.bottomLayer(),
        new LayerTar().file("../escaped-by-dotdot", 0644, "x").bytes()), TestImages.runtimeConfig(), "amd64"), "dotdot");
    layout.tag(layout.image(List.of(TestImages.bottomLayer(), new LayerTar().symlink("out", temp.toString())
        .file("out/escaped-by-link", 0644, "x").bytes()), TestImages.runtimeConfig(), "amd64"), "link");
    for (String tag : List.of("test", "dotdot", "link")) {
      images.push("oci:" + layout.dir() + ":" + tag, "busybox:" + tag);
    }
    agent = AgentProcess.start(flags(config("corral:s3cret")));
  }

  static String config(String userPassword) {
    String auth = Base64.getEncoder().encodeToString(userPassword.getBytes(StandardCharsets.UTF_8));
    return "{\"auths\":{\"" + images.registry.authority() + "\":{\"auth\":\"" + auth + "\"}}}";
  }

  static String[] flags(String dockerConfig) {
    return images.flags("--docker_config=" + dockerConfig);
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

  private static HttpResponse<String> launch(AgentProcess on, String id, String image) {
    return on.client().postJson(ImageContainerIT.launch(id, image, "{\"value\":\"cat /etc/motd\"}"));
  }

  @Test
  void theRightCredentialsFromDockerConfigPull() throws IOException {
    HttpResponse<String> launched = launch(agent, "authorized", "busybox:test");
    assertEquals(200, launched.statusCode(), launched.body() + agent.logTail());
    assertEquals(0, agent.client().waitFor("authorized").getExitStatus());
    assertEquals("welcome to corral\n", Files.readString(agent.sandbox("authorized").resolve("stdout")));
    assertFalse(agent.client().request("GET", "/flags").body().contains("s3cret"), "/flags shows no secret");
  }

  @Test
  void wrongOrNoCredentialsFailTheLaunchSayingSoAndLeaveNothing() {
    try (AgentProcess wrong = AgentProcess.start(flags(config("corral:wrong")))) {
      HttpResponse<String> refused = launch(wrong, "wrong", "busybox:test");
      assertFalse(refused.statusCode() == 200, refused.body());
      assertTrue(refused.body().contains("Failed to pull image") && refused.body().contains("401"), refused.body());
      ImageContainerIT.assertLeftNothing(wrong, "wrong");
    }
  }

  @Test
  void anUnreachableRegistryFailsTheLaunchNamingIt() {
    int closed = Registry.freePort();
    try (AgentProcess unreachable = AgentProcess.start(
        ImageFixture.flagsFor("http://127.0.0.1:" + closed, "--docker_registry_attempts=2"))) {
      HttpResponse<String> refused = launch(unreachable, "nowhere", "busybox:test");
      assertFalse(refused.statusCode() == 200, refused.body());
      assertTrue(refused.body().contains("Failed to pull image") && refused.body().contains("127.0.0.1:" + closed)
          && refused.body().contains("after 2 attempt(s)"), refused.body());
      ImageContainerIT.assertLeftNothing(unreachable, "nowhere");
    }
  }

  @Test
  void aLayerThatReachesOutsideIsRefusedAndWritesNothingOutside() {
    for (String tag : List.of("dotdot", "link")) {
      HttpResponse<String> refused = launch(agent, "escape-" + tag, "busybox:" + tag);
      assertFalse(refused.statusCode() == 200, refused.body());
      assertTrue(refused.body().contains("Failed to pull image"), refused.body());
      ImageContainerIT.assertLeftNothing(agent, "escape-" + tag);
    }
    Path store = agent.workDir().resolve("store").resolve("docker");
    assertFalse(Files.exists(temp.resolve("escaped-by-link")), "written through the link");
    assertFalse(Files.exists(store.resolve("layers").resolve("escaped-by-dotdot")), "written above the layer");
    assertTrue(Host.entries(store.resolve("tmp")).isEmpty(), "left in the store's tmp: "
        + Host.entries(store.resolve("tmp")));
  }
}
