package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.corral.it.support.AgentClient;
import io.corral.it.support.AgentProcess;
import io.corral.it.support.Eventually;
import io.corral.it.support.Host;
import io.corral.posix.MountSafeDelete;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The fetcher over https on a real agent, against loopback servers with certificates the test
 * makes with the JDK's {@code keytool}: a server whose certificate the agent's JVM trusts
 * ({@code javax.net.ssl.trustStore}, as an operator trusts a private CA) is fetched from; a
 * certificate nobody trusts, and a trusted one issued for another name, fail the launch naming
 * the URI and the TLS failure, and leave nothing in the sandbox.
 */
@Tag("root")
class FetcherTlsIT {
  private static final String PASSWORD = "changeit";
  private static final byte[] CONTENT = "over tls\n".getBytes(StandardCharsets.UTF_8);

  static Path temp;
  static final List<HttpsServer> servers = new ArrayList<>();
  static String trusted;
  static String untrusted;
  static String otherName;
  static AgentProcess agent;
  static AgentClient client;

  @BeforeAll
  static void start() throws Exception {
    assumeTrue(Host.isRoot(), "needs root: the agent launches containers");
    temp = Files.createTempDirectory("corral-fetch-tls-");
    Path trust = temp.resolve("trust.p12");
    trusted = serve(keystore("trusted", "ip:127.0.0.1", trust));
    untrusted = serve(keystore("untrusted", "ip:127.0.0.1", null));
    otherName = serve(keystore("other", "dns:other.invalid", trust));
    agent = AgentProcess.start(Map.of("JAVA_TOOL_OPTIONS", "-Djavax.net.ssl.trustStore=" + trust
        + " -Djavax.net.ssl.trustStorePassword=" + PASSWORD + " -Djavax.net.ssl.trustStoreType=PKCS12"));
    client = agent.client();
  }

  @AfterAll
  static void stop() throws IOException {
    if (agent != null) {
      agent.close();
    }
    servers.forEach(s -> s.stop(0));
    if (temp != null) {
      MountSafeDelete.deleteRecursively(temp);
    }
  }

  @Test
  void aTrustedServerIsFetchedFrom() throws IOException {
    HttpResponse<String> r = client.postJson(FetcherIT.launch("tls", "cat note.txt", null, null,
        FetcherIT.uri(trusted)));
    assertEquals(200, r.statusCode(), r.body() + agent.logTail());
    assertEquals(0, client.waitFor("tls").getExitStatus(), Files.readString(agent.sandbox("tls").resolve("stderr")));
    assertEquals("over tls\n", Files.readString(agent.sandbox("tls").resolve("stdout")));
  }

  @Test
  void anUntrustedCertificateFailsTheLaunchNamingIt() throws IOException {
    refused("untrusted", untrusted, "PKIX path building failed");
  }

  @Test
  void aTrustedCertificateForAnotherNameFailsTheLaunchNamingIt() throws IOException {
    refused("other-name", otherName, "No subject alternative names matching IP address 127.0.0.1");
  }

  private static void refused(String id, String value, String cause) throws IOException {
    HttpResponse<String> r = client.postJson(FetcherIT.launch(id, "true", null, null, FetcherIT.uri(value)));
    assertNotEquals(200, r.statusCode(), r.body());
    assertTrue(r.body().contains("Failed to fetch '" + value + "'") && r.body().contains(cause), r.body());
    assertTrue(client.waitFor(id).getMessage().contains("Failed to fetch '" + value + "'"));
    Eventually.await(Duration.ofSeconds(30), () -> Set.of("stdout", "stderr").equals(Host.entries(agent.sandbox(id))),
        () -> "left in the sandbox: " + Host.entries(agent.sandbox(id)));
    assertTrue(client.healthy(), agent.logTail());
  }

  /** A key pair and self-signed certificate for {@code san}; its certificate joins {@code trust} if given. */
  private static Path keystore(String name, String san, Path trust) throws IOException, InterruptedException {
    Path store = temp.resolve(name + ".p12");
    keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
        "-ext", "san=" + san, "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(),
        "-storepass", PASSWORD);
    if (trust != null) {
      Path cert = temp.resolve(name + ".crt");
      keytool("-exportcert", "-alias", name, "-keystore", store.toString(), "-storepass", PASSWORD,
          "-file", cert.toString());
      keytool("-importcert", "-noprompt", "-alias", name, "-file", cert.toString(), "-storetype", "PKCS12",
          "-keystore", trust.toString(), "-storepass", PASSWORD);
    }
    return store;
  }

  private static void keytool(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "keytool " + command + ": " + out);
  }

  /** An https server on loopback with {@code store}'s key; returns the URL of its one file. */
  private static String serve(Path store) throws IOException, GeneralSecurityException {
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      keys.load(in, PASSWORD.toCharArray());
    }
    KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    factory.init(keys, PASSWORD.toCharArray());
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(factory.getKeyManagers(), null, null);
    HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
    server.setHttpsConfigurator(new HttpsConfigurator(tls));
    server.createContext("/note.txt", e -> {
      e.sendResponseHeaders(200, CONTENT.length);
      e.getResponseBody().write(CONTENT);
      e.close();
    });
    server.start();
    servers.add(server);
    return "https://127.0.0.1:" + server.getAddress().getPort() + "/note.txt";
  }
}
