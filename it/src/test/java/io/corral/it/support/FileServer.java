package io.corral.it.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP server on loopback for fetcher tests (the JDK's {@code com.sun.net.httpserver}):
 * {@code /files/<name>} serves what {@link #put} gave it (404 for anything else),
 * {@code /stall/<name>} sends its headers and {@code 1KB}, then nothing until the server closes,
 * and {@code /huge/<name>} sends zeros for ever without a length. Counts the requests per path.
 */
public final class FileServer implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "it-file-server");
    t.setDaemon(true);
    return t;
  });
  private final Map<String, byte[]> files = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();
  private final CountDownLatch closed = new CountDownLatch(1);
  private final CountDownLatch gate = new CountDownLatch(1);
  private volatile boolean gated;

  private FileServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    server.createContext("/", this::handle);
    server.setExecutor(threads);
    server.start();
  }

  public static FileServer start() {
    try {
      return new FileServer();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Serves {@code content} at {@code /files/<name>}. */
  public FileServer put(String name, byte[] content) {
    files.put(name, content);
    return this;
  }

  /** Holds every {@code /files/} answer until {@link #open} (to make fetches overlap). */
  public void hold() {
    gated = true;
  }

  public void open() {
    gate.countDown();
  }

  /** The URL of {@code path} ({@code /files/x}, {@code /stall/x}, {@code /huge/x}). */
  public String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  /** How many requests {@code path} had. */
  public int requests(String path) {
    AtomicInteger n = requests.get(path);
    return n == null ? 0 : n.get();
  }

  private void handle(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    requests.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
    try (exchange) {
      if (path.startsWith("/stall/")) {
        exchange.sendResponseHeaders(200, 1 << 20);
        exchange.getResponseBody().write(new byte[1024]);
        exchange.getResponseBody().flush();
        await(closed);
      } else if (path.startsWith("/huge/")) {
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        byte[] zeros = new byte[64 * 1024];
        while (closed.getCount() > 0) {
          out.write(zeros);
        }
      } else {
        byte[] content = path.startsWith("/files/") ? files.get(path.substring("/files/".length())) : null;
        if (gated) {
          await(gate);
        }
        if (content == null) {
          exchange.sendResponseHeaders(404, -1);
        } else {
          exchange.sendResponseHeaders(200, content.length);
          exchange.getResponseBody().write(content);
        }
      }
    } catch (IOException e) {
      // the client went away: the fetcher gave up, as the test wants
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    closed.countDown();
    gate.countDown();
    server.stop(0);
    threads.shutdownNow();
  }
}
