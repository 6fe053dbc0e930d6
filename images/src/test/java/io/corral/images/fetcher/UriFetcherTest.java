package io.corral.images.fetcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.corral.proto.v1.CommandInfo;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fetcher against a loopback HTTP server: the log, redirects, and every failure leaving nothing. */
class UriFetcherTest {
  @TempDir Path temp;
  Path sandbox;
  HttpServer server;
  final CountDownLatch stop = new CountDownLatch(1);
  final CountDownLatch gate = new CountDownLatch(1);
  final java.util.concurrent.atomic.AtomicInteger held = new java.util.concurrent.atomic.AtomicInteger();
  UriFetcher fetcher;

  @BeforeEach
  void start() throws IOException {
    sandbox = Files.createDirectory(temp.resolve("sandbox"));
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
    server.createContext("/ok/", e -> {
      byte[] body = "hello".getBytes(StandardCharsets.UTF_8);
      e.sendResponseHeaders(200, body.length);
      e.getResponseBody().write(body);
      e.close();
    });
    server.createContext("/held/", e -> {
      held.incrementAndGet();
      await(gate);
      e.sendResponseHeaders(200, 3);
      e.getResponseBody().write(new byte[3]);
      e.close();
    });
    server.createContext("/moved/", e -> {
      e.getResponseHeaders().add("Location", "/ok/target.txt");
      e.sendResponseHeaders(302, -1);
      e.close();
    });
    server.createContext("/stall/", e -> {
      e.sendResponseHeaders(200, 100);
      e.getResponseBody().write(new byte[10]);
      e.getResponseBody().flush();
      await(stop);
      e.close();
    });
    server.setExecutor(Executors.newCachedThreadPool());
    server.start();
    fetcher = UriFetcher.start(new FetcherSettings(temp.resolve("cache"), 1 << 20, Duration.ofSeconds(2)));
  }

  @AfterEach
  void stop() {
    stop.countDown();
    gate.countDown();
    server.stop(0);
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  private static CommandInfo command(String... uris) {
    CommandInfo.Builder c = CommandInfo.newBuilder().setValue("true");
    for (String u : uris) {
      c.addUris(CommandInfo.URI.newBuilder().setValue(u));
    }
    return c.build();
  }

  private Set<String> left() throws IOException {
    try (Stream<Path> s = Files.list(sandbox)) {
      return s.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
    }
  }

  @Test
  void aFetchWritesItsFileAndItsLog() throws IOException {
    fetcher.fetch(command(url("/ok/a.txt"), url("/moved/b.txt")), sandbox, Long.MAX_VALUE, new FetchCancel());
    assertEquals("hello", Files.readString(sandbox.resolve("a.txt")));
    assertEquals("hello", Files.readString(sandbox.resolve("b.txt")), "the redirect was followed");
    String log = Files.readString(sandbox.resolve("stderr"));
    assertTrue(log.matches("(?s)I\\d{4} \\d\\d:\\d\\d:\\d\\d\\.\\d{6} \\d+ fetcher\\] Fetching '.*"), log);
    assertTrue(log.contains("Successfully fetched all URIs into '" + sandbox + "'"), log);
    assertEquals("", Files.readString(sandbox.resolve("stdout")));
  }

  @Test
  void failuresNameTheUriAndLeaveNothing() throws IOException {
    String[][] cases = {
        {url("/missing/x"), "received HTTP return code 404"},
        {url("/stall/x"), "no data for 2000ms"},
        {url("/ok/big"), "the resource has 5 bytes, more than the container's disk limit of 4 bytes"},
        {"http://127.0.0.1:1/x", "Error downloading resource"},
    };
    for (String[] c : cases) {
      long limit = c[0].contains("/ok/") ? 4 : 1000;
      FetchException e = assertThrows(FetchException.class, () -> fetcher.fetch(command(c[0]), sandbox, limit,
          new FetchCancel()));
      assertEquals(true, e.getMessage().startsWith("Failed to fetch '" + c[0] + "': "), e.getMessage());
      assertTrue(e.getMessage().contains(c[1]), e.getMessage());
      assertEquals(Set.of("stdout", "stderr"), left());
      assertTrue(Files.readString(sandbox.resolve("stderr")).contains("E"), "the log says it");
    }
  }

  @Test
  void aTargetUnderALinkIsRefused() throws IOException {
    Path outside = Files.createDirectory(temp.resolve("outside"));
    Files.createSymbolicLink(sandbox.resolve("l"), outside);
    CommandInfo command = CommandInfo.newBuilder().setValue("true").addUris(CommandInfo.URI.newBuilder()
        .setValue(url("/ok/x")).setOutputFile("l/x")).build();
    FetchException e = assertThrows(FetchException.class, () -> fetcher.fetch(command, sandbox, Long.MAX_VALUE,
        new FetchCancel()));
    assertTrue(e.getMessage().endsWith("'" + sandbox.resolve("l") + "' is a symbolic link"), e.getMessage());
    assertEquals(0, outside.toFile().list().length, "nothing written through the link");
  }

  @Test
  void concurrentFetchesOfOneCachedUriMakeOneRequest() throws Exception {
    java.util.List<CompletableFuture<Void>> all = new java.util.ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Path box = Files.createDirectory(temp.resolve("box" + i));
      all.add(CompletableFuture.runAsync(() -> {
        try {
          fetcher.fetch(CommandInfo.newBuilder().setValue("true").addUris(CommandInfo.URI.newBuilder()
              .setValue(url("/held/c.bin")).setCache(true)).build(), box, Long.MAX_VALUE, new FetchCancel());
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }));
    }
    io.corral.images.testing.Poll.until(Duration.ofSeconds(30), () -> held.get() >= 1, "the first request");
    gate.countDown();
    for (CompletableFuture<Void> f : all) {
      f.get(30, TimeUnit.SECONDS);
    }
    assertEquals(1, held.get());
    for (int i = 0; i < 3; i++) {
      assertEquals(3, Files.size(temp.resolve("box" + i).resolve("c.bin")));
    }
    assertEquals(3, fetcher.cacheUsed());
  }

  @Test
  void aCancelStopsADownloadInFlight() throws Exception {
    UriFetcher patient = UriFetcher.start(new FetcherSettings(temp.resolve("c2"), 1 << 20, Duration.ofMinutes(5)));
    FetchCancel cancel = new FetchCancel();
    CompletableFuture<Void> done = CompletableFuture.runAsync(() -> {
      try {
        patient.fetch(command(url("/stall/y")), sandbox, Long.MAX_VALUE, cancel);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    io.corral.images.testing.Poll.until(Duration.ofSeconds(30), () -> {
      try {
        return left().stream().anyMatch(n -> n.endsWith(".fetching"));
      } catch (IOException e) {
        return false;
      }
    }, "the download in flight");
    cancel.cancel();
    Throwable failure = assertThrows(java.util.concurrent.ExecutionException.class,
        () -> done.get(30, TimeUnit.SECONDS)).getCause().getCause();
    assertTrue(failure.getMessage().contains("the fetch was cancelled"), failure.getMessage());
    assertEquals(Set.of("stdout", "stderr"), left());
  }
}
