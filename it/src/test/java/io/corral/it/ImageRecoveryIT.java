package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.images.testing.CountingProxy;
import io.corral.images.testing.Registry;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Image containers under load and across agent crashes, with Debian's registry behind a proxy
 * that counts (and can hold) every request: 20 concurrent launches of an image not yet pulled
 * download each blob once; an agent SIGKILLed in the middle of a pull leaves a store that the
 * next agent uses, and the half-launched container destroyed with nothing left; a running image
 * container outlives an agent SIGKILL, keeps its root filesystem, and leaves nothing once removed.
 */
@Tag("root")
class ImageRecoveryIT {
  static ImageFixture images;
  static CountingProxy proxy;
  static TestImages.Built image;
  AgentProcess agent;

  @BeforeAll
  static void start() throws IOException {
    assumeTrue(Host.isRoot(), "needs root: images");
    images = ImageFixture.start("corral-image-recovery-", new Registry.NoAuth());
    image = TestImages.busybox(images.temp.resolve("oci"), "test");
    proxy = new CountingProxy(images.registry.url());
  }

  @AfterEach
  void stopAgent() {
    if (agent != null) {
      agent.close();
    }
  }

  @AfterAll
  static void stop() throws IOException {
    if (proxy != null) {
      proxy.close();
    }
    if (images != null) {
      images.close();
    }
  }

  static String[] flags() {
    return ImageFixture.flagsFor(proxy.url().toString());
  }

  private static String push(String tag) throws IOException {
    images.push(image.ociName(), "busybox:" + tag);
    return "busybox:" + tag;
  }

  private static String shell(String value) {
    return "{\"value\":" + AgentClient.quote(value) + "}";
  }

  @Test
  void twentyConcurrentLaunchesOfAnImageNotYetPulledDownloadEachBlobOnce() throws IOException {
    String name = push("twenty");
    agent = AgentProcess.start(flags());
    Map<String, Integer> before = proxy.counts(); // the proxy serves every test's fresh agent
    List<CompletableFuture<HttpResponse<String>>> launches = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      launches.add(agent.client().postJsonAsync(ImageContainerIT.launch("c" + i, name, shell("sleep 1"))));
    }
    for (CompletableFuture<HttpResponse<String>> launch : launches) {
      assertEquals(200, launch.join().statusCode(), launch.join().body() + agent.logTail());
    }
    Map<String, Integer> counts = proxy.counts();
    counts.forEach((path, n) -> {
      if (path.contains("/busybox/blobs/")) {
        assertEquals(1, n - before.getOrDefault(path, 0), path + " in " + counts + ", before " + before);
      }
    });
    assertTrue(counts.keySet().stream().anyMatch(p -> p.contains("/busybox/blobs/")), counts.toString());
    for (int i = 0; i < 20; i++) {
      assertEquals(0, agent.client().waitFor("c" + i).getExitStatus(), agent.logTail());
      assertEquals(200, agent.client().remove("c" + i));
      ImageContainerIT.assertLeftNothing(agent, "c" + i);
    }
  }

  @Test
  void anAgentKilledDuringAPullLeavesAStoreTheNextAgentUses() throws IOException {
    String name = push("held");
    agent = AgentProcess.start(flags());
    int started = proxy.blobsStarted();
    proxy.holdBlobs();
    CompletableFuture<HttpResponse<String>> launch =
        agent.client().postJsonAsync(ImageContainerIT.launch("pulling", name, shell("true")));
    Eventually.await(Duration.ofSeconds(60), () -> proxy.blobsStarted() > started, "a layer download to start");
    agent.sigkill();
    proxy.release();
    launch.handle((r, e) -> null).join();
    agent = agent.restart(flags());
    if (agent.client().container("pulling").isPresent()) { // destroyed by the recovery, kept until REMOVE
      agent.client().waitFor("pulling");
      assertEquals(200, agent.client().remove("pulling"));
    }
    ImageContainerIT.assertLeftNothing(agent, "pulling");
    Path tmp = agent.workDir().resolve("store").resolve("docker").resolve("tmp");
    assertTrue(Host.entries(tmp).isEmpty(), "what the killed pull left in " + tmp + ": " + Host.entries(tmp));

    HttpResponse<String> again = agent.client().postJson(ImageContainerIT.launch("after", name, shell("cat /etc/motd")));
    assertEquals(200, again.statusCode(), again.body() + agent.logTail());
    assertEquals(0, agent.client().waitFor("after").getExitStatus(), agent.logTail());
    assertEquals("welcome to corral\n", Files.readString(agent.sandbox("after").resolve("stdout")));
  }

  @Test
  void theAutomaticCollectionRemovesTheImagesNoContainerUses() throws IOException {
    String kept = push("gc-kept");
    TestImages.Built layered = TestImages.layered(images.temp.resolve("layered"), "gc", 3);
    images.push(layered.ociName(), "layered:gone");
    List<String> gcFlags = new ArrayList<>(List.of(flags()));
    gcFlags.add("--image_gc_config={\"image_disk_headroom\":1.0,"
        + "\"image_disk_watch_interval\":{\"nanoseconds\":200000000}}");
    agent = AgentProcess.start(gcFlags.toArray(String[]::new));
    assertEquals(200, agent.client().postJson(ImageContainerIT.launch("user", kept, shell("sleep 600"))).statusCode(),
        agent.logTail());
    assertEquals(200, agent.client().postJson(ImageContainerIT.launch("done", "layered:gone", shell("true")))
        .statusCode(), agent.logTail());
    agent.client().waitFor("done");
    assertEquals(200, agent.client().remove("done"));
    Path layers = agent.workDir().resolve("store").resolve("docker").resolve("layers");
    Eventually.await(Duration.ofSeconds(30), () -> Host.entries(layers).size() == 2,
        () -> "the layers only 'layered:gone' used to be collected: " + Host.entries(layers));
    HttpResponse<String> again = agent.client().postJson(ImageContainerIT.launch("again", kept, shell("true")));
    assertEquals(200, again.statusCode(), "the image in use stays usable: " + again.body());
    assertEquals(200, agent.client().kill("user"));
  }

  @Test
  void aRunningImageContainerOutlivesAnAgentKillAndLeavesNothingOnceRemoved() throws IOException {
    String name = push("running");
    agent = AgentProcess.start(flags());
    HttpResponse<String> launched = agent.client().postJson(ImageContainerIT.launch("long", name, shell("sleep 600")));
    assertEquals(200, launched.statusCode(), launched.body() + agent.logTail());
    Path rootfs = agent.workDir().resolve("provisioner").resolve("containers").resolve("long");
    agent.sigkill();
    agent = agent.restart(flags());
    assertTrue(agent.client().container("long").isPresent(), "the container is recovered\n" + agent.logTail());
    assertTrue(Files.isDirectory(rootfs.resolve("rootfs").resolve("bin")), "its rootfs is kept");
    assertEquals(200, agent.client().kill("long"));
    agent.client().waitFor("long");
    assertEquals(200, agent.client().remove("long"));
    ImageContainerIT.assertLeftNothing(agent, "long");
  }
}
