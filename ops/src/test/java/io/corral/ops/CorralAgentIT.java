package io.corral.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Start and stop of {@code corral agent} as an operator sees them: the shaded jar as a child
 * process, as root. A port in use is one line and exit 1; SIGTERM stops the agent with exit 0.
 */
@Tag("root")
class CorralAgentIT {
  private static final Path JAR = Path.of("target", "corral.jar").toAbsolutePath();
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  @TempDir Path tmp;

  /** The agents' --cgroups_root, removed after each test (an agent leaves its root behind). */
  private static final String CGROUPS_ROOT = "corral-agent-it-" + ProcessHandle.current().pid();

  @org.junit.jupiter.api.AfterEach
  void removeCgroupsRoot() {
    io.corral.isolators.cgroups.Hierarchies.removeRoot(io.corral.posix.Linux.nativeDefault(),
        io.corral.isolators.cgroups.CgroupsConfig.defaults().withRoot(
            io.corral.isolators.cgroups.CgroupsConfig.DEFAULT_HIERARCHY, CGROUPS_ROOT));
  }

  @BeforeAll
  static void needsRoot() {
    assumeTrue(Host.isRoot(), "needs root: the agent's default isolation creates pid namespaces");
    assertTrue(Files.isRegularFile(JAR), "the shaded jar is built in package: " + JAR);
  }

  @Test
  void aPortInUseIsOneLineAndExitStatus1() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Path err = tmp.resolve("stderr");
      Process agent = agent(err, "--port=" + taken.getLocalPort());
      assertTrue(agent.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "corral agent did not exit");
      String stderr = Files.readString(err);
      assertEquals(1, agent.exitValue(), stderr);
      List<String> lines = stderr.lines().toList();
      assertTrue(lines.get(lines.size() - 1).startsWith(
          "Failed to bind to '127.0.0.1:" + taken.getLocalPort() + "': "), stderr);
      assertTrue(stderr.contains("Address already in use"), stderr);
      assertFalse(stderr.contains("\tat "), "no stack trace:\n" + stderr);
    }
  }

  @Test
  void sigtermStopsTheAgentWithExitStatus0() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort();
    }
    Path err = tmp.resolve("stderr");
    Process agent = agent(err, "--port=" + port);
    HttpClient http = HttpClient.newHttpClient();
    await(() -> {
      if (!agent.isAlive()) {
        throw new AssertionError("corral agent exited:\n" + read(err));
      }
      return status(http, URI.create("http://127.0.0.1:" + port + "/health"), null) == 200;
    }, "GET /health to answer 200");
    assertTrue(read(err).contains("Agent listening on http://127.0.0.1:" + port), read(err));
    URI api = URI.create("http://127.0.0.1:" + port + "/api/v1");
    // The secure default as root: /api/v1 needs the credentials the agent generated.
    assertEquals(401, status(http, HttpRequest.newBuilder(api), "{\"type\":\"GET_HEALTH\"}"));
    assertEquals(200, status(http, AgentCredentials.authorize(HttpRequest.newBuilder(api),
        tmp.resolve("work")), "{\"type\":\"GET_HEALTH\"}"));
    String file = Files.readString(tmp.resolve("work/credentials"));
    String secret = file.substring(file.indexOf("\"secret\":\"") + 10, file.lastIndexOf('"'));
    assertTrue(secret.length() >= 40, "a 256-bit secret");
    assertFalse(read(err).contains(secret), "the secret is never logged");

    assertEquals(0, new ProcessBuilder("kill", "-TERM", Long.toString(agent.pid())).start().waitFor());
    assertTrue(agent.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "corral agent did not stop");
    assertEquals(0, agent.exitValue(), read(err));
    assertTrue(read(err).contains("Agent stopped"), read(err));
    assertEquals(-1, status(http, URI.create("http://127.0.0.1:" + port + "/health"), null), "unbound");
  }

  private Process agent(Path err, String... flags) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--enable-native-access=ALL-UNNAMED", "-jar", JAR.toString(), "agent",
        "--work_dir=" + tmp.resolve("work"), "--runtime_dir=" + tmp.resolve("runtime"),
        "--cgroups_root=" + CGROUPS_ROOT));
    cmd.addAll(List.of(flags));
    return new ProcessBuilder(cmd)
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(err.toFile())
        .start();
  }

  /** The status of a GET (body null) or a JSON POST; -1 when the agent does not answer. */
  private static int status(HttpClient http, URI uri, String json) {
    return status(http, HttpRequest.newBuilder(uri), json);
  }

  private static int status(HttpClient http, HttpRequest.Builder request, String json) {
    request.timeout(TIMEOUT);
    if (json != null) {
      request.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
    }
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }



  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "(cannot read '" + file + "': " + e + ")";
    }
  }

  /** Polls {@code condition} until it holds or {@link #TIMEOUT} passes; parks between polls. */
  private static void await(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("Timed out after " + TIMEOUT + " waiting for " + what);
      }
      LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
    }
  }
}
