package io.corral.isolators.docker.volume;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A Docker volume plugin for tests, speaking the protocol over a real unix socket
 * {@code <dir>/<name>.sock}: volumes are directories {@code <root>/volumes/<name>}, counted by
 * Mount {@code ID} (Mount of an unknown volume, Unmount of an ID that has not mounted, and Remove
 * of a volume in use are errors). With {@code bind}, the first Mount of a volume bind-mounts its
 * data directory onto its mountpoint and the last Unmount unmounts it (root only), so a leaked
 * reference is a leaked mount. A {@link Fault} per method makes it misbehave. Every request is
 * recorded. Threads: one per connection; {@link #close} stops them all.
 */
public final class FakeVolumePlugin implements AutoCloseable {
  /** How a method misbehaves. */
  public enum Fault { NONE, ERR, HTTP_500, HTTP_500_TEXT, HANG, HOLD, GARBAGE, DIE, CHUNKED, NOT_IMPLEMENTED }

  /** One request: the method's path and its JSON body. */
  public record Call(String method, JsonNode body) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path socket;
  private final Path root;
  private final boolean bind;
  private volatile ServerSocketChannel server;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "fake-volume-plugin");
    t.setDaemon(true);
    return t;
  });
  private volatile CountDownLatch closed = new CountDownLatch(1);
  private final CountDownLatch held = new CountDownLatch(1);
  private final Map<String, Set<String>> mounts = new ConcurrentHashMap<>();
  private final Map<String, Fault> faults = new ConcurrentHashMap<>();
  private final List<Call> calls = new CopyOnWriteArrayList<>();

  /** Serves plugin {@code name} on {@code <socketDir>/<name>.sock}, its volumes under {@code root}. */
  public FakeVolumePlugin(Path socketDir, String name, Path root, boolean bind) throws IOException {
    Files.createDirectories(socketDir);
    Files.createDirectories(root.resolve("volumes"));
    Files.createDirectories(root.resolve("data"));
    this.socket = socketDir.resolve(name + ".sock");
    this.root = root;
    this.bind = bind;
    reappear();
  }

  /** Serves again, with the volumes and mounts it had: a plugin restarted. */
  public synchronized void reappear() throws IOException {
    Files.deleteIfExists(socket);
    closed = new CountDownLatch(1);
    ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    channel.bind(UnixDomainSocketAddress.of(socket));
    server = channel;
    threads.execute(() -> accept(channel));
  }

  /** Stops serving, its socket file gone, calls under way cut: a plugin that died. */
  public synchronized void vanish() throws IOException {
    closed.countDown();
    server.close();
    Files.deleteIfExists(socket);
  }

  public Path socket() {
    return socket;
  }

  /** Makes {@code method} (e.g. {@code /VolumeDriver.Mount}) misbehave from now on. */
  public void fault(String method, Fault fault) {
    faults.put(method, fault);
  }

  /** Lets the calls held by {@link Fault#HOLD} (and every later one) be answered. */
  public void release() {
    held.countDown();
  }

  /** Waits until {@code method} has been received {@code count} times; false after {@code timeout}. */
  public synchronized boolean awaitCalls(String method, int count, java.time.Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (calls(method).size() < count) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      wait(Math.max(1, left / 1_000_000));
    }
    return true;
  }

  /** Every method behaves again. */
  public void clearFaults() {
    faults.clear();
  }

  public List<Call> calls() {
    return List.copyOf(calls);
  }

  /** The calls of one method. */
  public List<Call> calls(String method) {
    return calls.stream().filter(c -> c.method().equals(method)).toList();
  }

  /** The IDs that hold volume {@code name} mounted. */
  public Set<String> mountIds(String name) {
    return Set.copyOf(mounts.getOrDefault(name, Set.of()));
  }

  /** Where volume {@code name} is mounted (its directory without {@code bind}). */
  public Path mountpoint(String name) {
    return root.resolve("volumes").resolve(name);
  }

  /** Where the data of volume {@code name} lives. */
  public Path data(String name) {
    return bind ? root.resolve("data").resolve(name) : mountpoint(name);
  }

  private void accept(ServerSocketChannel channel) {
    while (channel.isOpen()) {
      try {
        SocketChannel connection = channel.accept();
        threads.execute(() -> serve(connection));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(SocketChannel connection) {
    try (connection; InputStream in = Channels.newInputStream(connection);
        OutputStream out = Channels.newOutputStream(connection)) {
      String method = readRequest(in, connection);
      if (method == null) {
        return;
      }
      Fault fault = faults.getOrDefault(method, Fault.NONE);
      switch (fault) {
        case HANG -> closed.await();
        case HOLD -> {
          held.await();
          respond(out, 200, JSON.writeValueAsString(answer(method)), false);
        }
        case GARBAGE -> out.write("\u0000\u0001 not http at all\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        case DIE -> out.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"Err\":".getBytes(StandardCharsets.US_ASCII));
        case ERR -> respond(out, 200, "{\"Err\":\"scripted failure of " + method + "\"}", false);
        case HTTP_500 -> respond(out, 500, "{\"Err\":\"scripted 500 of " + method + "\"}", false);
        case HTTP_500_TEXT -> respond(out, 500, "plain text failure of " + method, false);
        case NOT_IMPLEMENTED -> respond(out, 404, "404 page not found", false);
        default -> respond(out, 200, JSON.writeValueAsString(answer(method)), fault == Fault.CHUNKED);
      }
    } catch (IOException | InterruptedException e) {
      // the client went away, or the plugin is closing
    }
  }

  /** Reads one request; records it and returns its path, or null at EOF. */
  private String readRequest(InputStream in, SocketChannel connection) throws IOException {
    String requestLine = line(in);
    if (requestLine == null) {
      return null;
    }
    int length = 0;
    for (String header = line(in); header != null && !header.isEmpty(); header = line(in)) {
      if (header.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(header.substring(header.indexOf(':') + 1).trim());
      }
    }
    String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
    String method = requestLine.split(" ")[1];
    calls.add(new Call(method, body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body)));
    synchronized (this) {
      notifyAll();
    }
    return method;
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
      }
      line.write(b);
    }
    String text = line.toString(StandardCharsets.ISO_8859_1);
    return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
  }

  private static void respond(OutputStream out, int status, String body, boolean chunked) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    StringBuilder head = new StringBuilder("HTTP/1.1 " + status + " X\r\nContent-Type: application/json\r\n");
    head.append(chunked ? "Transfer-Encoding: chunked\r\n\r\n" : "Content-Length: " + bytes.length + "\r\n\r\n");
    out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
    if (!chunked) {
      out.write(bytes);
      return;
    }
    for (int at = 0; at < bytes.length; at += 7) {
      int n = Math.min(7, bytes.length - at);
      out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(bytes, at, n);
      out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
    }
    out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
  }

  private synchronized ObjectNode answer(String method) throws IOException {
    JsonNode body = calls.get(calls.size() - 1).body();
    String name = body.path("Name").asText("");
    String id = body.path("ID").asText("");
    ObjectNode reply = JSON.createObjectNode();
    Path dir = mountpoint(name);
    switch (method) {
      case "/Plugin.Activate" -> reply.putArray("Implements").add("VolumeDriver");
      case "/VolumeDriver.Create" -> {
        Files.createDirectories(dir);
        Files.createDirectories(data(name));
        mounts.putIfAbsent(name, ConcurrentHashMap.newKeySet());
      }
      case "/VolumeDriver.Mount" -> mount(reply, name, id);
      case "/VolumeDriver.Unmount" -> unmount(reply, name, id);
      case "/VolumeDriver.Remove" -> {
        if (!mountIds(name).isEmpty()) {
          return reply.put("Err", "volume in use");
        }
        mounts.remove(name);
      }
      case "/VolumeDriver.Path", "/VolumeDriver.Get" -> {
        if (!mounts.containsKey(name)) {
          return reply.put("Err", "no such volume: " + name);
        }
        ObjectNode target = method.endsWith("Get") ? reply.putObject("Volume").put("Name", name) : reply;
        if (!mountIds(name).isEmpty()) {
          target.put("Mountpoint", dir.toString());
        }
      }
      case "/VolumeDriver.List" -> mounts.keySet().forEach(v -> reply.withArray("Volumes").addObject().put("Name", v));
      case "/VolumeDriver.Capabilities" -> reply.putObject("Capabilities").put("Scope", "local");
      default -> reply.put("Err", "unknown method " + method);
    }
    return reply.put("Err", reply.path("Err").asText(""));
  }

  private void mount(ObjectNode reply, String name, String id) throws IOException {
    Set<String> ids = mounts.get(name);
    if (ids == null) {
      reply.put("Err", "no such volume: " + name);
      return;
    }
    if (ids.isEmpty() && bind) {
      run("mount", "--bind", data(name).toString(), mountpoint(name).toString());
    }
    ids.add(id);
    reply.put("Mountpoint", mountpoint(name).toString());
  }

  private void unmount(ObjectNode reply, String name, String id) throws IOException {
    Set<String> ids = mounts.get(name);
    if (ids == null || !ids.remove(id)) {
      reply.put("Err", "volume '" + name + "' is not mounted by '" + id + "'");
      return;
    }
    if (ids.isEmpty() && bind) {
      run("umount", mountpoint(name).toString());
    }
  }

  private static void run(String... command) throws IOException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (process.waitFor() != 0) {
        throw new IOException(String.join(" ", command) + " failed: " + output);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /** Stops serving (the socket file goes): a plugin that vanished. Mounts it made stay. */
  @Override
  public void close() throws IOException {
    vanish();
    threads.shutdownNow();
  }

  /** Unmounts what a {@code bind} plugin still holds mounted (test teardown). */
  public List<String> unmountAll() throws IOException {
    List<String> left = new ArrayList<>();
    for (Map.Entry<String, Set<String>> volume : mounts.entrySet()) {
      if (!volume.getValue().isEmpty()) {
        left.add(volume.getKey());
        volume.getValue().clear();
        if (bind) {
          run("umount", mountpoint(volume.getKey()).toString());
        }
      }
    }
    return left;
  }
}
