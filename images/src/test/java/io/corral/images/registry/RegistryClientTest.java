package io.corral.images.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.corral.images.ImageReference;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry client against small HTTP servers on loopback that misbehave on purpose: media
 * types it must refuse, digests that do not match, a redirect to another host (no credentials
 * follow), a server that never answers, and one that fails before it succeeds.
 */
class RegistryClientTest {
  private static final String CONFIG = "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
  private final List<HttpServer> servers = new CopyOnWriteArrayList<>();
  private final CountDownLatch never = new CountDownLatch(1);

  @FunctionalInterface
  interface Handler {
    void handle(HttpExchange ex) throws IOException;
  }

  private HttpServer serve(String host, Map<String, Handler> routes) throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress(host, 0), 16);
    s.setExecutor(Executors.newCachedThreadPool());
    s.createContext("/", ex -> {
      Handler h = routes.get(ex.getRequestURI().getPath());
      if (h == null) {
        reply(ex, 404, "application/json", "{\"errors\":[{\"code\":\"NAME_UNKNOWN\",\"message\":\"nope\"}]}");
      } else {
        h.handle(ex);
      }
    });
    s.start();
    servers.add(s);
    return s;
  }

  @AfterEach
  void stop() {
    never.countDown();
    servers.forEach(s -> s.stop(0));
  }

  /** Keeps the exchange open until the test ends, then closes it. */
  private void hang(HttpExchange ex) {
    try {
      never.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    ex.close();
  }

  static void reply(HttpExchange ex, int code, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    if (type != null) {
      ex.getResponseHeaders().add("Content-Type", type);
    }
    ex.sendResponseHeaders(code, bytes.length == 0 ? -1 : bytes.length);
    ex.getResponseBody().write(bytes);
    ex.close();
  }

  private static URI url(HttpServer s) {
    return URI.create("http://127.0.0.1:" + s.getAddress().getPort());
  }

  private static RegistryClient client(HttpServer s, RegistrySettings settings) throws IOException {
    return new RegistryClient(settings, url(s));
  }

  private static ImageReference ref(HttpServer s, String name) {
    return ImageReference.parse(name).normalize(url(s));
  }

  private static String manifest(String configDigest) {
    return "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.DOCKER_MANIFEST + "\",\"config\":{\"mediaType\":\""
        + MediaTypes.DOCKER_CONFIG + "\",\"digest\":\"" + configDigest + "\",\"size\":" + CONFIG.length()
        + "},\"layers\":[{\"mediaType\":\"" + MediaTypes.DOCKER_LAYER + "\",\"digest\":\"" + configDigest
        + "\",\"size\":" + CONFIG.length() + "}]}";
  }

  @Test
  void refusesUnknownManifestMediaTypes() throws Exception {
    String schema1 = "application/vnd.docker.distribution.manifest.v1+prettyjws";
    HttpServer s = serve("127.0.0.1", Map.of(
        "/v2/old/manifests/latest", ex -> reply(ex, 200, schema1, "{\"schemaVersion\":1,\"name\":\"old\"}"),
        "/v2/odd/manifests/latest", ex -> reply(ex, 200, "application/vnd.example.thing+json", "{\"schemaVersion\":2}")));
    RegistryClient c = client(s, RegistrySettings.defaults());
    RegistryException old = assertThrows(RegistryException.class, () -> c.manifest(ref(s, "old")));
    assertEquals("unsupported manifest media type '" + schema1 + "'", old.getMessage());
    RegistryException odd = assertThrows(RegistryException.class, () -> c.manifest(ref(s, "odd")));
    assertEquals("unsupported manifest media type 'application/vnd.example.thing+json'", odd.getMessage());
  }

  @Test
  void refusesManifestsThatDoNotMatchTheirDigest() throws Exception {
    String body = manifest(Digests.of(CONFIG.getBytes(StandardCharsets.UTF_8)));
    String wrong = "sha256:" + "0".repeat(64);
    HttpServer s = serve("127.0.0.1", Map.of(
        "/v2/lying/manifests/latest", ex -> {
          ex.getResponseHeaders().add("Docker-Content-Digest", wrong);
          reply(ex, 200, MediaTypes.DOCKER_MANIFEST, body);
        },
        "/v2/lying/manifests/" + wrong, ex -> reply(ex, 200, MediaTypes.DOCKER_MANIFEST, body)));
    RegistryClient c = client(s, RegistrySettings.defaults());
    RegistryException header = assertThrows(RegistryException.class, () -> c.manifest(ref(s, "lying")));
    assertTrue(header.getMessage().startsWith("digest mismatch for manifest 'latest': the registry says '" + wrong),
        header.getMessage());
    RegistryException asked = assertThrows(RegistryException.class, () -> c.manifest(ref(s, "lying@" + wrong)));
    assertEquals("digest mismatch for manifest '" + wrong + "': got '" + Digests.of(body.getBytes(StandardCharsets.UTF_8))
        + "'", asked.getMessage());
  }

  @Test
  void followsARedirectToAnotherHostWithoutTheCredentials(@TempDir Path dir) throws Exception {
    byte[] blob = "layer bytes".getBytes(StandardCharsets.UTF_8);
    String digest = Digests.of(blob);
    Map<String, String> seenByOther = new ConcurrentHashMap<>();
    HttpServer other = serve("127.0.0.1", Map.of("/storage/blob", ex -> {
      seenByOther.put("authorization", String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
      ex.sendResponseHeaders(200, blob.length);
      ex.getResponseBody().write(blob);
      ex.close();
    }));
    String basic = "Basic " + Base64.getEncoder().encodeToString("u:p".getBytes(StandardCharsets.UTF_8));
    HttpServer registry = serve("127.0.0.1", Map.of("/v2/img/blobs/" + digest, ex -> {
      if (!basic.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
        ex.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"r\"");
        reply(ex, 401, null, "");
        return;
      }
      ex.getResponseHeaders().add("Location", "http://localhost:" + other.getAddress().getPort() + "/storage/blob");
      reply(ex, 307, null, "");
    }));
    Path config = Files.writeString(dir.resolve("config.json"), "{\"auths\":{\"127.0.0.1:"
        + registry.getAddress().getPort() + "\":{\"auth\":\"" + basic.substring(6) + "\"}}}");
    RegistryClient c = client(registry, RegistrySettings.defaults().withDockerConfig(config));
    assertArrayEquals(blob, c.blob(ref(registry, "img"), new Descriptor(MediaTypes.DOCKER_LAYER, digest, blob.length),
        n -> { }, InputStream::readAllBytes));
    assertEquals("null", seenByOther.get("authorization"), "no Authorization header to another host");
  }

  @Test
  void aServerThatNeverAnswersTimesOutAfterTheRetries() throws Exception {
    AtomicInteger tries = new AtomicInteger();
    HttpServer s = serve("127.0.0.1", Map.of("/v2/slow/manifests/latest", ex -> {
      tries.incrementAndGet();
      hang(ex);
    }));
    RegistrySettings settings = new RegistrySettings(2, Duration.ofSeconds(2), Duration.ofMillis(300),
        Duration.ofMillis(10), Duration.ofMillis(20), null, "linux", "amd64");
    RegistryException e = assertThrows(RegistryException.class, () -> client(s, settings).manifest(ref(s, "slow")));
    assertEquals("failed to reach registry '127.0.0.1:" + s.getAddress().getPort() + "' after 2 attempt(s): timed out",
        e.getMessage());
    assertEquals(2, tries.get());
  }

  @Test
  void aBodyThatStopsFlowingTimesOut(@TempDir Path dir) throws Exception {
    byte[] blob = new byte[256 << 10];
    String digest = Digests.of(blob);
    AtomicInteger tries = new AtomicInteger();
    HttpServer s = serve("127.0.0.1", Map.of("/v2/stall/blobs/" + digest, ex -> {
      tries.incrementAndGet();
      ex.sendResponseHeaders(200, blob.length);
      ex.getResponseBody().write(blob, 0, blob.length / 2);
      ex.getResponseBody().flush();
      hang(ex);
    }));
    RegistrySettings settings = new RegistrySettings(2, Duration.ofSeconds(2), Duration.ofSeconds(2),
        Duration.ofMillis(10), Duration.ofMillis(20), null, "linux", "amd64");
    Descriptor d = new Descriptor(MediaTypes.DOCKER_LAYER, digest, blob.length);
    RegistryException e = assertThrows(RegistryException.class,
        () -> client(s, settings).blob(ref(s, "stall"), d, n -> { }, InputStream::readAllBytes));
    assertEquals("failed to download blob '" + digest + "': no data for 2000 ms", e.getMessage());
    assertTrue(tries.get() >= 2, "a stalled download is retried");
    assertFalse(Thread.currentThread().isInterrupted(), "the watch's interrupt does not leak");
  }

  @Test
  void retriesServerErrorsWithBackoff() throws Exception {
    byte[] config = CONFIG.getBytes(StandardCharsets.UTF_8);
    String digest = Digests.of(config);
    AtomicInteger tries = new AtomicInteger();
    HttpServer s = serve("127.0.0.1", Map.of("/v2/flaky/blobs/" + digest, ex -> {
      if (tries.incrementAndGet() < 3) {
        reply(ex, 503, null, "");
      } else {
        reply(ex, 200, "application/octet-stream", CONFIG);
      }
    }));
    RegistrySettings settings = RegistrySettings.defaults().withRetries(3, Duration.ofMillis(5));
    byte[] got = client(s, settings).blobBytes(ref(s, "flaky"), new Descriptor("", digest, config.length), 1024);
    assertArrayEquals(config, got);
    assertEquals(3, tries.get());
    RegistryException gone = assertThrows(RegistryException.class, () -> client(s, settings)
        .blobBytes(ref(s, "gone"), new Descriptor("", digest, config.length), 1024));
    assertEquals("repository 'gone' not found in registry '127.0.0.1:" + s.getAddress().getPort() + "' (NAME_UNKNOWN)",
        gone.getMessage());
  }

  @Test
  void aBrokenTransferCallsTheReaderAgainFromTheFirstByte() throws Exception {
    byte[] blob = new byte[512 << 10];
    new java.util.Random(7).nextBytes(blob);
    String digest = Digests.of(blob);
    AtomicInteger tries = new AtomicInteger();
    HttpServer s = serve("127.0.0.1", Map.of("/v2/broken/blobs/" + digest, ex -> {
      ex.sendResponseHeaders(200, blob.length);
      if (tries.incrementAndGet() == 1) {
        ex.getResponseBody().write(blob, 0, blob.length / 3);
        ex.getResponseBody().flush();
        ex.close();
        return;
      }
      ex.getResponseBody().write(blob);
      ex.close();
    }));
    AtomicInteger reads = new AtomicInteger();
    byte[] got = client(s, RegistrySettings.defaults().withRetries(3, Duration.ofMillis(5))).blob(ref(s, "broken"),
        new Descriptor(MediaTypes.DOCKER_LAYER, digest, blob.length), n -> { }, in -> {
          reads.incrementAndGet();
          return in.readAllBytes();
        });
    assertArrayEquals(blob, got, "the second attempt's reader saw the whole blob from its first byte");
    assertEquals(2, reads.get());
    assertEquals(2, tries.get());
  }

  @Test
  void aReaderThatFailsOnACorruptedBlobIsToldTheBlobIsCorrupted() throws Exception {
    byte[] blob = new byte[64 << 10];
    String digest = Digests.of(blob);
    blob[blob.length - 1] = 1;
    HttpServer s = serve("127.0.0.1", Map.of("/v2/bad/blobs/" + digest, ex -> {
      ex.sendResponseHeaders(200, blob.length);
      ex.getResponseBody().write(blob);
      ex.close();
    }));
    RegistryException e = assertThrows(RegistryException.class, () -> client(s, RegistrySettings.defaults())
        .blob(ref(s, "bad"), new Descriptor(MediaTypes.DOCKER_LAYER, digest, blob.length), n -> { }, in -> {
          in.readNBytes(100);
          throw new IOException("the reader gave up on garbage");
        }));
    assertTrue(e.getMessage().startsWith("digest mismatch for blob '" + digest + "': got 'sha256:"), e.getMessage());
  }
}
