package io.corral.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code --cgroups_*} flags as an operator uses them, on the shaded jar as root: net_cls
 * classids in {@code /state}, and an agent refused at start for a hierarchy it cannot write.
 */
@Tag("root")
class CgroupsAgentIT {
  private static final Path JAR = Path.of("target", "corral.jar").toAbsolutePath();
  private static final Path HIERARCHY = Path.of("/sys/fs/cgroup");
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final Pattern CLASSID = Pattern.compile("\"classid\"\\s*:\\s*(\\d+)");

  @TempDir Path tmp;
  private final String root = "corral-it-" + UUID.randomUUID().toString().substring(0, 8);
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void needsRoot() {
    assumeTrue(Host.isRoot(), "needs root: cgroups and pid namespaces");
    assumeTrue(Files.isRegularFile(HIERARCHY.resolve("pids/cgroup.procs")),
        "needs cgroup v1 hierarchies under " + HIERARCHY);
    assertTrue(Files.isRegularFile(JAR), "the shaded jar is built in package: " + JAR);
  }

  @Test
  void twoContainersGetDistinctClassidsInState() throws Exception {
    int port = freePort();
    Path err = tmp.resolve("stderr");
    Process agent = agent(err, "--port=" + port, "--isolation=cgroups/net_cls,namespaces/pid",
        "--cgroups_root=" + root, "--cgroups_net_cls_primary_handle=0xAAAA",
        "--cgroups_net_cls_secondary_handles=0x100,0x1ff");
    URI api = URI.create("http://127.0.0.1:" + port + "/api/v1");
    try {
      await(() -> {
        if (!agent.isAlive()) {
          throw new AssertionError("corral agent exited:\n" + read(err));
        }
        try {
          return post(api, "{\"type\":\"GET_HEALTH\"}").statusCode() == 200;
        } catch (AssertionError notYet) {
          return false; // not listening yet
        }
      }, "the agent to answer");
      for (String id : List.of("cls-a", "cls-b")) {
        HttpResponse<String> launched = post(api, "{\"type\":\"LAUNCH_CONTAINER\",\"launch_container\":"
            + "{\"container_id\":{\"value\":\"" + id + "\"},\"command\":{\"value\":\"sleep 600\"}}}");
        assertEquals(200, launched.statusCode(), launched.body());
      }
      String state = http.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + port + "/state")).timeout(TIMEOUT).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      List<Long> classids = new ArrayList<>();
      Matcher m = CLASSID.matcher(state);
      while (m.find()) {
        classids.add(Long.parseLong(m.group(1)));
      }
      assertEquals(List.of(0xAAAA0100L, 0xAAAA0101L), classids.stream().sorted().toList(), state);
      assertNotEquals(classids.get(0), classids.get(1));
      for (String id : List.of("cls-a", "cls-b")) {
        post(api, "{\"type\":\"KILL_CONTAINER\",\"kill_container\":{\"container_id\":{\"value\":\""
            + id + "\"},\"signal\":9}}");
        post(api, "{\"type\":\"WAIT_CONTAINER\",\"wait_container\":{\"container_id\":{\"value\":\""
            + id + "\"}}}");
        assertEquals(200, post(api, "{\"type\":\"REMOVE_CONTAINER\",\"remove_container\":"
            + "{\"container_id\":{\"value\":\"" + id + "\"}}}").statusCode());
      }
      assertFalse(Files.exists(HIERARCHY.resolve("net_cls").resolve(root).resolve("cls-a")));
    } finally {
      new ProcessBuilder("kill", "-TERM", Long.toString(agent.pid())).start().waitFor();
      assertTrue(agent.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "corral agent did not stop");
      Files.deleteIfExists(HIERARCHY.resolve("net_cls").resolve(root));
      Files.deleteIfExists(HIERARCHY.resolve("freezer").resolve(root)); // the launcher's freezer root
    }
  }

  @Test
  void aHierarchyTheAgentCannotWriteStopsItWithPathAndErrno() throws Exception {
    Path readOnly = tmp.resolve("cg").resolve("pids");
    Files.createDirectories(readOnly);
    run("mount", "--bind", HIERARCHY.resolve("pids").toString(), readOnly.toString());
    try {
      run("mount", "-o", "remount,bind,ro", readOnly.toString());
      Path err = tmp.resolve("stderr");
      Process agent = agent(err, "--port=" + freePort(), "--isolation=cgroups/pids",
          "--cgroups_hierarchy=" + readOnly.getParent(), "--cgroups_root=" + root);
      assertTrue(agent.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "corral agent did not exit");
      String stderr = read(err);
      assertEquals(1, agent.exitValue(), stderr);
      assertTrue(stderr.contains("Failed to prepare cgroups root '" + readOnly.resolve(root)
          + "': mkdir path='" + readOnly.resolve(root) + "': EROFS (Read-only file system)"), stderr);
    } finally {
      run("umount", readOnly.toString());
    }
  }

  private Process agent(Path err, String... flags) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--enable-native-access=ALL-UNNAMED", "-jar", JAR.toString(), "agent",
        "--work_dir=" + tmp.resolve("work"), "--runtime_dir=" + tmp.resolve("runtime")));
    cmd.addAll(List.of(flags));
    return new ProcessBuilder(cmd)
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(err.toFile())
        .start();
  }

  private HttpResponse<String> post(URI uri, String json) {
    try {
      return http.send(AgentCredentials.authorize(HttpRequest.newBuilder(uri), tmp.resolve("work"))
          .timeout(TIMEOUT)
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(json)).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new AssertionError("POST " + uri + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return free.getLocalPort();
    }
  }

  private static void run(String... command) throws Exception {
    assertEquals(0, new ProcessBuilder(command).inheritIO().start().waitFor(), String.join(" ", command));
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "(cannot read '" + file + "': " + e + ")";
    }
  }

  private static void await(java.util.function.BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("Timed out after " + TIMEOUT + " waiting for " + what);
      }
      LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
    }
  }
}
