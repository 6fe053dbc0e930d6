package io.corral.images.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Debian's {@code docker-registry} (distribution 2.8) on 127.0.0.1 and a free port, with its own
 * config (never the packaged one): storage under the given directory, and no auth, htpasswd
 * Basic auth, or token auth against a {@link TokenServer}. {@link #start} polls {@code /v2/} until
 * it answers; {@link #close} sends SIGTERM, then SIGKILL after 10 s.
 */
public final class Registry implements AutoCloseable {

  /** How clients must authenticate. */
  public sealed interface Auth {}

  public record NoAuth() implements Auth {}

  public record Basic(String user, String password) implements Auth {}

  public record Token(TokenServer server) implements Auth {}

  private final Process process;
  private final int port;
  private final Path storage;
  private final Path log;

  private Registry(Process process, int port, Path storage, Path log) {
    this.process = process;
    this.port = port;
    this.storage = storage;
    this.log = log;
  }

  /** Starts a registry whose files live in {@code dir} (storage in {@code dir/data}). */
  public static Registry start(Path dir, Auth auth) throws IOException {
    return start(dir, dir.resolve("data"), auth);
  }

  /** Starts a registry on {@code storage}, which another registry may share (for reading). */
  public static Registry start(Path dir, Path storage, Auth auth) throws IOException {
    Files.createDirectories(dir);
    Files.createDirectories(storage);
    int port = freePort();
    StringBuilder yml = new StringBuilder()
        .append("version: 0.1\n")
        .append("log: {level: info}\n")
        .append("storage: {filesystem: {rootdirectory: ").append(storage).append("}, delete: {enabled: true}}\n")
        .append("http: {addr: 127.0.0.1:").append(port).append(", secret: corral-test}\n");
    if (auth instanceof Basic b) {
      Path htpasswd = dir.resolve("htpasswd");
      Files.writeString(htpasswd, Commands.run("htpasswd", "-Bbn", b.user(), b.password()));
      yml.append("auth: {htpasswd: {realm: corral-basic, path: ").append(htpasswd).append("}}\n");
    } else if (auth instanceof Token t) {
      yml.append("auth: {token: {realm: ").append(t.server().realm())
          .append(", service: ").append(TokenServer.SERVICE)
          .append(", issuer: ").append(TokenServer.ISSUER)
          .append(", rootcertbundle: ").append(t.server().certificate()).append("}}\n");
    }
    Path config = Files.writeString(dir.resolve("registry-" + port + ".yml"), yml);
    Path log = dir.resolve("registry-" + port + ".log");
    Process p = new ProcessBuilder("docker-registry", "serve", config.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    Registry registry = new Registry(p, port, storage, log);
    registry.awaitReady();
    return registry;
  }

  private void awaitReady() throws IOException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("docker-registry exited " + process.exitValue() + ": " + Files.readString(log));
      }
      try {
        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(url().resolve("/v2/")).build(),
            HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200 || r.statusCode() == 401) {
          return;
        }
      } catch (IOException e) {
        LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
    }
    close();
    throw new IOException("docker-registry did not answer on port " + port + " within 30 s: " + Files.readString(log));
  }

  /** A port free on 127.0.0.1 a moment ago. */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int port() {
    return port;
  }

  /** {@code 127.0.0.1:<port>}. */
  public String authority() {
    return "127.0.0.1:" + port;
  }

  public URI url() {
    return URI.create("http://" + authority());
  }

  /** The storage root ({@code docker/registry/v2/...} below it). */
  public Path storage() {
    return storage;
  }

  /** A blob's data file in the registry's storage. */
  public Path blobFile(String digest) {
    String hex = digest.substring("sha256:".length());
    return storage.resolve("docker/registry/v2/blobs/sha256").resolve(hex.substring(0, 2)).resolve(hex).resolve("data");
  }

  public List<String> logLines() throws IOException {
    return Files.readAllLines(log);
  }

  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
