package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.isolators.docker.volume.FakeVolumePlugin;
import io.corral.isolators.docker.volume.FakeVolumePlugin.Fault;
import io.corral.it.support.AgentClient;
import io.corral.it.support.AgentProcess;
import io.corral.it.support.Eventually;
import io.corral.it.support.Host;
import io.corral.posix.MountSafeDelete;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import io.corral.images.testing.Registry;
import io.corral.images.testing.Skopeo;
import io.corral.images.testing.TestImages;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code docker/volume} end to end: a real agent, real containers on the host's root filesystem,
 * and a Docker volume plugin on a unix socket in the test's directory ({@link FakeVolumePlugin},
 * which bind-mounts a real directory at a volume's first Mount and unmounts it at its last
 * Unmount, so a reference left behind is a mount left behind).
 */
@Tag("root")
class DockerVolumeIT {
  static final Duration PATIENCE = Duration.ofSeconds(60);
  static Path temp;
  static Registry registry;
  static FakeVolumePlugin plugin;
  /** The agent of the tests that do not restart it; those start their own. */
  static AgentProcess shared;
  AgentProcess agent;

  @BeforeAll
  static void startAll() throws IOException {
    assumeTrue(Host.isRoot(), "needs root: mount namespaces and bind mounts");
    temp = Files.createTempDirectory("corral-dvol-it-");
    TestImages.Built image = TestImages.busybox(temp.resolve("oci"), "test");
    registry = Registry.start(temp.resolve("registry"), new Registry.NoAuth());
    Skopeo.push(image.ociName(), registry.authority(), "busybox:latest", Skopeo.Format.V2S2, false, null);
    plugin = new FakeVolumePlugin(temp.resolve("plugins"), "corraltest", temp.resolve("plugin"), true);
    shared = AgentProcess.start(flags());
  }

  @BeforeEach
  void useShared() {
    agent = shared;
  }

  static String[] flags() {
    return new String[] {"--isolation=filesystem/linux,docker/runtime,docker/volume,namespaces/pid",
        "--image_providers=docker", "--docker_registry=http://" + registry.authority(),
        "--docker_volume_plugin_dirs=" + temp.resolve("plugins"),
        "--docker_volume_checkpoint_dir=" + temp.resolve("checkpoints"), "--docker_volume_plugin_timeout=2secs"};
  }

  /** An agent of this test's own, on the same plugin, for a test that kills or stops it. */
  void ownAgent() {
    agent = AgentProcess.start(flags());
  }

  @AfterEach
  void stopOwn() {
    plugin.clearFaults();
    if (agent != null && agent != shared) {
      agent.close();
    }
  }

  @AfterAll
  static void stopAll() throws IOException {
    if (shared != null) {
      shared.close();
    }
    if (registry != null) {
      registry.close();
    }
    if (plugin != null) {
      plugin.close();
      List<String> left = plugin.unmountAll();
      MountSafeDelete.deleteRecursively(temp);
      assertEquals(List.of(), left, "volumes left mounted");
    }
  }

  /** A LAUNCH_CONTAINER body with one docker volume per {@code name:path:mode} spec. */
  static String launch(String id, String script, String... volumes) {
    return launchIn(id, "", script, volumes);
  }

  /** As {@link #launch}, in a container of {@code image} when it is not empty. */
  static String launchIn(String id, String image, String script, String... volumes) {
    StringBuilder json = new StringBuilder();
    for (String spec : volumes) {
      String[] p = spec.split(":");
      json.append(json.length() == 0 ? "" : ",").append("{\"container_path\":").append(AgentClient.quote(p[1]))
          .append(",\"mode\":\"").append(p[2]).append("\",\"source\":{\"type\":\"DOCKER_VOLUME\",")
          .append("\"docker_volume\":{\"driver\":\"corraltest\",\"name\":").append(AgentClient.quote(p[0]))
          .append(",\"driver_options\":{\"parameter\":[{\"key\":\"size\",\"value\":\"1m\"}]}}}}");
    }
    return AgentClient.launchJsonRaw("\"container_id\":{\"value\":" + AgentClient.quote(id) + "},"
        + "\"command\":{\"value\":" + AgentClient.quote(script) + "},"
        + "\"container\":{\"type\":\"MESOS\"," + (image.isEmpty() ? "" : "\"mesos\":{\"image\":{\"type\":\"DOCKER\","
        + "\"docker\":{\"name\":" + AgentClient.quote(image) + "}}},") + "\"volumes\":[" + json + "]}");
  }

  HttpResponse<String> post(String body) {
    return agent.client().postJson(body);
  }

  void launched(String body) {
    HttpResponse<String> response = post(body);
    assertEquals(200, response.statusCode(), response.body() + "\n" + agent.logTail());
  }

  String stdout(String id) throws IOException {
    return Files.readString(agent.sandbox(id).resolve("stdout"));
  }

  /** Nothing of the plugin's volumes is mounted, no ID holds one, and no checkpoint is left. */
  void assertReleased(String... volumes) {
    for (String volume : volumes) {
      Eventually.await(PATIENCE, () -> plugin.mountIds(volume).isEmpty(),
          () -> "volume '" + volume + "' still mounted by " + plugin.mountIds(volume) + agent.logTail());
    }
    assertTrue(Host.mounts().stream().noneMatch(m -> m.contains(temp.toString())),
        "a mount under " + temp + " is left");
    Eventually.await(PATIENCE, () -> Host.entries(temp.resolve("checkpoints")).isEmpty(),
        () -> "checkpoints left: " + Host.entries(temp.resolve("checkpoints")));
    assertEquals(plugin.calls("/VolumeDriver.Mount").size(), plugin.calls("/VolumeDriver.Unmount").size(),
        "one Unmount per Mount");
  }

  @Test
  void aVolumeIsMountedUsedAndUnmountedWhenTheContainerEnds() throws IOException {
    launched(launch("use", "echo hello > data/f && cat data/f && grep -c ' " + agent.sandbox("use")
        + "/data ' /proc/self/mountinfo", "v1:data:RW"));
    assertEquals(0, agent.client().waitFor("use").getExitStatus(), stdout("use") + agent.logTail());
    assertEquals("hello\n1\n", stdout("use"));
    assertEquals("hello\n", Files.readString(plugin.data("v1").resolve("f")));
    assertEquals("1m", plugin.calls("/VolumeDriver.Create").get(0).body().path("Opts").path("size").asText());
    assertReleased("v1");
    assertEquals(200, agent.client().remove("use"));
    assertEquals("hello\n", Files.readString(plugin.data("v1").resolve("f")), "the volume outlives the container");
  }

  @Test
  void readOnlyIsReallyReadOnlyAndAnAbsolutePathIsMountedOnTheHostsPath() throws IOException {
    Files.createDirectories(plugin.data("ro"));
    Files.writeString(plugin.data("ro").resolve("seed"), "seeded\n");
    Path target = Files.createDirectories(temp.resolve("target"));
    launched(launch("ro", "cat " + target + "/seed; touch " + target + "/x 2>&1; echo rc=$?", "ro:" + target + ":RO"));
    assertEquals(0, agent.client().waitFor("ro").getExitStatus(), agent.logTail());
    String out = stdout("ro");
    assertTrue(out.startsWith("seeded\n") && out.contains("Read-only file system") && out.endsWith("rc=1\n"), out);
    assertFalse(Files.exists(plugin.data("ro").resolve("x")));
    assertReleased("ro");
  }

  @Test
  void anImageContainerGetsItsVolumesInItsRootfsReadOnlyOneRefused() throws IOException {
    Files.createDirectories(plugin.data("img-ro"));
    Files.writeString(plugin.data("img-ro").resolve("seed"), "seeded\n");
    // The image runs as 1000:1000, and Corral has no --docker_volume_chown.
    Files.setPosixFilePermissions(Files.createDirectories(plugin.data("img-rw")),
        java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
    launched(launchIn("image", "busybox", "echo from-image > /data/f; cat /ro/seed; touch /ro/x 2>&1; echo rc=$?;"
        + " test ! -e " + temp + " && echo host-hidden", "img-rw:/data:RW", "img-ro:/ro:RO"));
    assertEquals(0, agent.client().waitFor("image").getExitStatus(), agent.logTail());
    String out = stdout("image");
    assertTrue(out.startsWith("seeded\n") && out.contains("Read-only file system") && out.endsWith("rc=1\nhost-hidden\n"),
        out);
    assertEquals("from-image\n", Files.readString(plugin.data("img-rw").resolve("f")));
    assertEquals(200, agent.client().remove("image"));
    assertReleased("img-rw", "img-ro");
  }

  @Test
  void twoContainersShareAVolumeWhichStaysMountedForTheSecond() throws IOException {
    launched(launch("first", "touch shared/first; while [ ! -e shared/second ]; do sleep 0.05; done; cat shared/second",
        "shared:shared:RW"));
    Eventually.await(PATIENCE, () -> Files.exists(plugin.data("shared").resolve("first")), "the first container");
    launched(launch("second", "echo from-second > shared/second", "shared:shared:RW"));
    assertEquals(0, agent.client().waitFor("second").getExitStatus(), agent.logTail());
    assertEquals(0, agent.client().waitFor("first").getExitStatus(), agent.logTail());
    assertEquals("from-second\n", stdout("first"));
    assertEquals(2, Set.copyOf(plugin.calls("/VolumeDriver.Mount").stream()
        .filter(c -> c.body().path("Name").asText().equals("shared")).map(c -> c.body().path("ID").asText())
        .toList()).size(), "one Mount ID per container");
    assertReleased("shared");
  }

  /** Launches {@code id}, which runs until the file {@code stop} is in volume {@code volume}. */
  void runUntilStopped(String id, String volume) {
    launched(launch(id, "touch vol/up; while [ ! -e vol/stop ]; do sleep 0.05; done", volume + ":vol:RW"));
    Eventually.await(PATIENCE, () -> Files.exists(plugin.data(volume).resolve("up")), "container '" + id + "'");
  }

  @Test
  void afterAnAgentSigkillTheRecoveredContainerUnmountsItsVolumeOnce() throws IOException {
    ownAgent();
    runUntilStopped("kept", "kept");
    agent.sigkill();
    agent = agent.restart(flags());
    assertEquals(1, plugin.mountIds("kept").size());
    Files.writeString(plugin.data("kept").resolve("stop"), "");
    assertEquals(0, agent.client().waitFor("kept").getExitStatus(), agent.logTail());
    assertReleased("kept");
    assertEquals(1, plugin.calls("/VolumeDriver.Unmount").stream().filter(c -> c.body().path("Name").asText()
        .equals("kept")).count());
  }

  @Test
  void aContainerThatEndedWhileTheAgentWasDownIsUnmountedAtRecovery() throws IOException {
    ownAgent();
    runUntilStopped("ended", "ended");
    agent.sigkill();
    Files.writeString(plugin.data("ended").resolve("stop"), "");
    agent = agent.restart(flags());
    assertEquals(0, agent.client().waitFor("ended").getExitStatus(), agent.logTail());
    assertReleased("ended");
  }

  @Test
  void aFailingPluginFailsTheLaunchWithItsMessageAndLeavesNothing() {
    plugin.fault("/VolumeDriver.Mount", Fault.ERR);
    HttpResponse<String> response = post(launch("failing", "true", "bad:data:RW"));
    assertFalse(response.statusCode() == 200 && agent.client().waitFor("failing").getExitStatus() == 0,
        response.body());
    String message = response.statusCode() == 200 ? agent.client().waitRaw("failing").body() : response.body();
    assertTrue(message.contains("Failed to mount docker volume 'bad' with driver 'corraltest': scripted failure of"
        + " /VolumeDriver.Mount"), message);
    assertEquals(200, agent.client().remove("failing"));
    assertReleased("bad");
    assertTrue(agent.client().healthy());
  }

  @Test
  void aVanishedPluginLeavesTheContainerDestroyableAndItsVolumeIsReleasedOnceItIsBack() throws IOException {
    ownAgent();
    runUntilStopped("orphaned", "gone");
    plugin.vanish();
    assertEquals(200, agent.client().kill("orphaned"));
    HttpResponse<String> waited = agent.client().waitRaw("orphaned");
    assertEquals(200, waited.statusCode(), waited.body());
    assertTrue(waited.body().contains("plugin 'corraltest' cannot be reached"), waited.body());
    assertTrue(agent.client().healthy());
    assertEquals(200, agent.client().remove("orphaned"));
    assertEquals(1, plugin.mountIds("gone").size(), "the plugin was not told");
    assertEquals(1, Host.entries(temp.resolve("checkpoints")).size(), "the checkpoint is kept");
    plugin.reappear();
    agent.stop();
    agent = agent.restart(flags());
    assertReleased("gone");
  }

  @Test
  void fiftyLaunchesLeaveNoMountAndNoReference() throws IOException {
    for (int i = 0; i < 50; i++) {
      String id = "many-" + i;
      launched(launch(id, "echo " + i + " >> a/log; echo " + i + " >> b/log", "many-a:a:RW",
          "many-" + (i % 3) + ":b:" + (i % 2 == 0 ? "RW" : "RO")));
      agent.client().waitFor(id);
      assertEquals(200, agent.client().remove(id));
    }
    assertEquals(50, Files.readAllLines(plugin.data("many-a").resolve("log")).size());
    assertReleased("many-a", "many-0", "many-1", "many-2");
    assertEquals(100, plugin.calls("/VolumeDriver.Unmount").stream().filter(c -> c.body().path("Name").asText()
        .startsWith("many-")).count());
  }

  @Test
  void badRequestsAreA400BeforeAnythingIsCreated() {
    HttpResponse<String> unknown = post(launch("unknown", "true", "v:data:RW").replace("corraltest", "nosuch"));
    assertEquals(400, unknown.statusCode(), unknown.body());
    assertTrue(unknown.body().contains("docker volume driver 'nosuch' is unknown"), unknown.body());
    HttpResponse<String> twice = post(launch("twice", "true", "v:a:RW", "v:b:RW"));
    assertEquals(400, twice.statusCode(), twice.body());
    assertTrue(twice.body().contains("Found duplicate docker volume with driver 'corraltest' and name 'v'"));
    assertFalse(Files.exists(agent.sandbox("unknown")));
    assertTrue(plugin.calls().stream().noneMatch(c -> c.body().path("Name").asText().equals("v")));
    try (AgentProcess plain = AgentProcess.start("--isolation=filesystem/linux")) {
      HttpResponse<String> refused = plain.client().postJson(launch("plain", "true", "v:data:RW"));
      assertEquals(400, refused.statusCode(), refused.body());
      assertTrue(refused.body().contains("container.volumes.source.docker_volume"), refused.body());
    }
  }
}
