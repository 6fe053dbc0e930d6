package io.corral.images.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP proxy on 127.0.0.1 in front of a {@link Registry} that counts the GETs of each path
 * and can hold blob responses over 16 KiB (layers, not configs) half-way ({@link #holdBlobs}) until {@link #release} (to catch a
 * pull in the middle of a download). Headers pass through both ways, except hop-by-hop ones.
 */
public final class CountingProxy implements AutoCloseable {
  private static final Set<String> HOP = Set.of("connection", "content-length", "transfer-encoding", "host",
      "keep-alive", "upgrade", "date");

  /** Only bodies above this size are held: layers, never configs. */
  private static final int HOLD_MIN = 16 << 10;

  private final HttpServer server;
  private final java.util.concurrent.ExecutorService threads = Executors.newCachedThreadPool();
  private final URI upstream;
  private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
  private final Map<String, AtomicInteger> gets = new ConcurrentHashMap<>();
  private final AtomicInteger blobsStarted = new AtomicInteger();
  private volatile CountDownLatch hold = new CountDownLatch(0);

  public CountingProxy(URI upstream) throws IOException {
    this.upstream = upstream;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    server.setExecutor(threads);
    server.createContext("/", this::handle);
    server.start();
  }

  public URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** How many GETs of {@code path} arrived. */
  public int gets(String path) {
    AtomicInteger n = gets.get(path);
    return n == null ? 0 : n.get();
  }

  /** Every path asked for, with its count. */
  public Map<String, Integer> counts() {
    Map<String, Integer> copy = new java.util.TreeMap<>();
    gets.forEach((k, v) -> copy.put(k, v.get()));
    return copy;
  }

  /** Blob responses whose first half has been sent. */
  public int blobsStarted() {
    return blobsStarted.get();
  }

  /** From now on, layer blob bodies stop after their first half until {@link #release}. */
  public void holdBlobs() {
    hold = new CountDownLatch(1);
  }

  public void release() {
    hold.countDown();
  }

  private void handle(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getRawPath();
    gets.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
    try {
      HttpRequest.Builder b = HttpRequest.newBuilder(upstream.resolve(ex.getRequestURI().toString()));
      ex.getRequestHeaders().forEach((k, vs) -> {
        if (!HOP.contains(k.toLowerCase())) {
          vs.forEach(v -> b.header(k, v));
        }
      });
      HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
      r.headers().map().forEach((k, vs) -> {
        if (!HOP.contains(k.toLowerCase()) && !k.startsWith(":")) {
          ex.getResponseHeaders().put(k, List.copyOf(vs));
        }
      });
      byte[] body = r.body();
      ex.sendResponseHeaders(r.statusCode(), body.length == 0 ? -1 : body.length);
      try (OutputStream out = ex.getResponseBody()) {
        if (path.contains("/blobs/") && r.statusCode() == 200 && body.length > HOLD_MIN) {
          out.write(body, 0, body.length / 2);
          out.flush();
          blobsStarted.incrementAndGet();
          hold.await(60, TimeUnit.SECONDS);
          out.write(body, body.length / 2, body.length - body.length / 2);
        } else {
          out.write(body);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      ex.close();
    }
  }

  @Override
  public void close() {
    release();
    server.stop(0);
    threads.shutdownNow();
  }
}
