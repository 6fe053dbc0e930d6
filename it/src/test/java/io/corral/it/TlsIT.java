package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.it.support.AgentProcess;
import io.corral.it.support.Commands;
import io.corral.it.support.Commands.Result;
import io.corral.it.support.Eventually;
import io.corral.it.support.Host;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * TLS with libprocess' environment switches, checked with real clients: a CA, a server
 * certificate for 127.0.0.1 and a client certificate made here with {@code openssl}; an agent
 * with {@code LIBPROCESS_SSL_ENABLED}, its cert, key and CA file, and
 * {@code LIBPROCESS_SSL_REQUIRE_CERT}. {@code curl --cacert} with the client certificate gets
 * through; without the CA, without a client certificate, or in plaintext, it does not;
 * {@code openssl s_client} verifies the server's chain.
 */
@Tag("root")
class TlsIT {
  private static Path dir;
  private static Process agent;
  private static int port;

  @BeforeAll
  static void start() throws Exception {
    assumeTrue(Host.isRoot(), "needs root: a root agent");
    assumeTrue(Commands.run("sh", "-c", "command -v openssl && command -v curl").exit() == 0,
        "needs openssl and curl (ops/scripts/setup-debian.sh installs them)");
    dir = Files.createTempDirectory("corral-tls-");
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=corral-it-ca",
        "-keyout", "ca.key", "-out", "ca.pem");
    for (String name : List.of("server", "client")) {
      openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + name, "-keyout",
          name + ".key", "-out", name + ".csr");
      Files.writeString(dir.resolve(name + ".ext"), name.equals("server")
          ? "subjectAltName=IP:127.0.0.1\n" : "extendedKeyUsage=clientAuth\n");
      openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
          "-CAcreateserial", "-days", "2", "-extfile", name + ".ext", "-out", name + ".pem");
    }
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    ProcessBuilder builder = new ProcessBuilder(AgentProcess.corralCommand("agent",
        "--ip=127.0.0.1", "--port=" + port, "--work_dir=" + dir.resolve("work"),
        "--runtime_dir=" + dir.resolve("runtime"), "--cgroups_root=corral-it-tls-" + port));
    builder.environment().putAll(Map.of("LIBPROCESS_SSL_ENABLED", "true",
        "LIBPROCESS_SSL_CERT_FILE", dir.resolve("server.pem").toString(),
        "LIBPROCESS_SSL_KEY_FILE", dir.resolve("server.key").toString(),
        "LIBPROCESS_SSL_CA_FILE", dir.resolve("ca.pem").toString(),
        "LIBPROCESS_SSL_REQUIRE_CERT", "true"));
    agent = builder.redirectErrorStream(true).redirectOutput(dir.resolve("agent.log").toFile())
        .start();
    Eventually.await(Duration.ofSeconds(90), () -> !agent.isAlive() || curl("--cacert",
        "ca.pem", "--cert", "client.pem", "--key", "client.key", https("/health")).out().equals("200"),
        () -> "the TLS agent to answer\n" + log());
    assertTrue(agent.isAlive(), log());
  }

  @AfterAll
  static void stop() throws Exception {
    if (agent != null) {
      agent.destroy();
      if (!agent.waitFor(30, TimeUnit.SECONDS)) {
        agent.destroyForcibly();
      }
      AgentProcess.removeCgroupsRoot("corral-it-tls-" + port);
    }
    if (dir != null) {
      try (Stream<Path> walk = Files.walk(dir)) {
        walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  void aVerifiedClientWithItsCertificateGetsThroughAndTheApiStillAuthenticates() throws Exception {
    String[] client = {"--cacert", "ca.pem", "--cert", "client.pem", "--key", "client.key"};
    assertEquals("200", curl(concat(client, https("/health"))).out());
    assertEquals("401", curl(concat(client, "-H", "Content-Type: application/json", "-d",
        "{\"type\":\"GET_HEALTH\"}", https("/api/v1"))).out(), "TLS does not replace credentials");
  }

  @Test
  void clientsThatCannotVerifyOrBeVerifiedAreRefused() throws Exception {
    Result untrusted = curl("--cert", "client.pem", "--key", "client.key", https("/health"));
    assertNotEquals(0, untrusted.exit(), "the server's certificate is not trusted without the CA");
    Result anonymous = curl("--cacert", "ca.pem", https("/health"));
    assertNotEquals("200", anonymous.out(), "a client without a certificate is refused");
    Result plaintext = curl("http://127.0.0.1:" + port + "/health");
    assertNotEquals("200", plaintext.out(), "plaintext to the TLS port is refused");
    assertTrue(agent.isAlive());
  }

  @Test
  void opensslVerifiesTheServerChain() throws Exception {
    Result r = Commands.run(dir, "sh", "-c", "echo | openssl s_client -connect 127.0.0.1:" + port
        + " -CAfile ca.pem -cert client.pem -key client.key -verify_return_error 2>&1");
    assertTrue(r.out().contains("Verify return code: 0 (ok)"), r.out());
  }

  private static String https(String path) {
    return "https://127.0.0.1:" + port + path;
  }

  private static String[] concat(String[] head, String... tail) {
    List<String> all = new ArrayList<>(List.of(head));
    all.addAll(List.of(tail));
    return all.toArray(String[]::new);
  }

  private static void openssl(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("openssl"));
    cmd.addAll(List.of(args));
    Result r = Commands.run(dir, cmd.toArray(String[]::new));
    assertEquals(0, r.exit(), String.join(" ", cmd) + ": " + r.err());
  }

  private static Result curl(String... args) {
    List<String> cmd = new ArrayList<>(List.of("curl", "-s", "-o", "/dev/null", "-w",
        "%{http_code}", "--max-time", "10"));
    cmd.addAll(List.of(args));
    return Commands.run(dir, cmd.toArray(String[]::new));
  }

  private static String log() {
    try {
      return Files.readString(dir.resolve("agent.log"));
    } catch (IOException e) {
      return "(no log)";
    }
  }
}
