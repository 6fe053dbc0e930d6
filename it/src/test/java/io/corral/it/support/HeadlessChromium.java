package io.corral.it.support;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Debian's {@code chromium}, headless, driven over the DevTools protocol (JSON over a WebSocket,
 * with the JDK's client): navigate, set request headers, evaluate JavaScript in the page,
 * capture a screenshot. It runs in a session of its own ({@code setsid}) with its own profile
 * directory, and {@link #close()} kills the whole process group and waits until none of its
 * processes is left. As root it needs {@code --no-sandbox}.
 */
public final class HeadlessChromium implements AutoCloseable {
  private static final Duration START = Patience.of(Duration.ofSeconds(60));
  private static final Duration CALL = Patience.of(Duration.ofSeconds(30));

  private final Process process;
  private final Path profile;
  private final List<ProcessHandle> family = new ArrayList<>();
  private final Map<Integer, CompletableFuture<JsonObject>> pending = new ConcurrentHashMap<>();
  private final AtomicInteger ids = new AtomicInteger();
  private WebSocket socket;
  private volatile int documentStatus;

  private HeadlessChromium(Process process, Path profile) {
    this.process = process;
    this.profile = profile;
  }

  /** The chromium binary, or null when it is not installed. */
  public static Path binary() {
    Path path = Path.of("/usr/bin/chromium");
    return Files.isExecutable(path) ? path : null;
  }

  /** Starts chromium on {@code about:blank} and connects to its page. */
  public static HeadlessChromium start() throws IOException {
    Path profile = Files.createTempDirectory("corral-chromium-");
    Process process = new ProcessBuilder("setsid", binary().toString(), "--headless=new",
        "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
        "--disable-extensions", "--disable-background-networking", "--window-size=1400,900",
        "--user-data-dir=" + profile, "--remote-debugging-address=127.0.0.1",
        "--remote-debugging-port=0", "about:blank")
        .redirectErrorStream(true).redirectOutput(profile.resolve("chromium.log").toFile()).start();
    HeadlessChromium chromium = new HeadlessChromium(process, profile);
    try {
      chromium.connect();
      return chromium;
    } catch (IOException | RuntimeException e) {
      chromium.close();
      throw e;
    }
  }

  private void connect() throws IOException {
    Path portFile = profile.resolve("DevToolsActivePort");
    Eventually.await(START, () -> Files.isRegularFile(portFile) && lines(portFile).size() >= 2,
        () -> "chromium's DevTools port: " + log());
    int port = Integer.parseInt(lines(portFile).get(0).trim());
    HttpClient http = HttpClient.newHttpClient();
    String pageSocket = null;
    try {
      HttpResponse<String> targets = http.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + port + "/json/list")).timeout(CALL).build(),
          HttpResponse.BodyHandlers.ofString());
      for (JsonElement t : JsonParser.parseString(targets.body()).getAsJsonArray()) {
        if (t.getAsJsonObject().get("type").getAsString().equals("page")) {
          pageSocket = t.getAsJsonObject().get("webSocketDebuggerUrl").getAsString();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("Failed to list chromium's targets: interrupted", e);
    }
    if (pageSocket == null) {
      throw new IOException("Failed to find chromium's page: " + log());
    }
    socket = http.newWebSocketBuilder().connectTimeout(CALL)
        .buildAsync(URI.create(pageSocket), new Listener()).join();
    call("Page.enable", new JsonObject());
    call("Network.enable", new JsonObject());
  }

  /** Every request the page makes from now on carries {@code headers}. */
  public void setHeaders(Map<String, String> headers) {
    JsonObject h = new JsonObject();
    headers.forEach(h::addProperty);
    JsonObject params = new JsonObject();
    params.add("headers", h);
    call("Network.setExtraHTTPHeaders", params);
  }

  /** Navigates the page to {@code url}; returns once the navigation is committed. */
  public void navigate(String url) {
    JsonObject params = new JsonObject();
    params.addProperty("url", url);
    call("Page.navigate", params);
  }

  /** The value of {@code expression} in the page (awaited if it is a promise), as JSON. */
  public JsonElement evaluate(String expression) {
    JsonObject params = new JsonObject();
    params.addProperty("expression", expression);
    params.addProperty("returnByValue", true);
    params.addProperty("awaitPromise", true);
    JsonObject result = call("Runtime.evaluate", params);
    if (result.has("exceptionDetails")) {
      throw new IllegalStateException("Failed to evaluate '" + expression + "': "
          + result.get("exceptionDetails"));
    }
    JsonObject value = result.getAsJsonObject("result");
    return value.has("value") ? value.get("value") : null;
  }

  /** The HTTP status of the last document the page received (0 before any). */
  public int documentStatus() {
    return documentStatus;
  }

  /** {@link #evaluate} as a string; null when the value is null or undefined. */
  public String evaluateString(String expression) {
    JsonElement value = evaluate(expression);
    return value == null || value.isJsonNull() ? null : value.getAsString();
  }

  /** A PNG of the page's viewport, written to {@code file}. */
  public void screenshot(Path file) throws IOException {
    JsonObject params = new JsonObject();
    params.addProperty("format", "png");
    params.addProperty("captureBeyondViewport", true);
    String data = call("Page.captureScreenshot", params).get("data").getAsString();
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.write(file, Base64.getDecoder().decode(data));
  }

  private JsonObject call(String method, JsonObject params) {
    int id = ids.incrementAndGet();
    JsonObject message = new JsonObject();
    message.addProperty("id", id);
    message.addProperty("method", method);
    message.add("params", params);
    CompletableFuture<JsonObject> reply = new CompletableFuture<>();
    pending.put(id, reply);
    socket.sendText(message.toString(), true).join();
    JsonObject answer = reply.orTimeout(CALL.toMillis(), TimeUnit.MILLISECONDS).join();
    if (answer.has("error")) {
      throw new IllegalStateException("Failed to call " + method + ": " + answer.get("error"));
    }
    return answer.getAsJsonObject("result");
  }

  /** Chromium's processes: its own and every descendant, alive now. */
  private List<ProcessHandle> processes() {
    List<ProcessHandle> all = new ArrayList<>();
    all.add(process.toHandle());
    process.toHandle().descendants().forEach(all::add);
    return all;
  }

  /** Kills chromium's process group and waits until none of its processes is left. */
  @Override
  public void close() throws IOException {
    if (socket != null) {
      socket.abort();
    }
    family.addAll(processes());
    try {
      new ProcessBuilder("kill", "-KILL", "--", "-" + process.pid()).inheritIO().start()
          .waitFor(CALL.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    family.forEach(ProcessHandle::destroyForcibly);
    Eventually.await(CALL, () -> family.stream().allMatch(p -> gone(p.pid())),
        () -> "chromium's processes to be gone: " + family);
    try (java.util.stream.Stream<Path> files = Files.walk(profile)) {
      for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(f);
      }
    }
  }

  /** No such process, or a zombie its reaper has yet to collect. */
  private static boolean gone(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      return stat.charAt(stat.lastIndexOf(')') + 2) == 'Z';
    } catch (IOException e) {
      return true;
    }
  }

  private static List<String> lines(Path file) {
    try {
      return Files.readAllLines(file);
    } catch (IOException e) {
      return List.of();
    }
  }

  private String log() {
    try {
      return Files.readString(profile.resolve("chromium.log"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private final class Listener implements WebSocket.Listener {
    private final StringBuilder partial = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        JsonObject message = JsonParser.parseString(partial.toString()).getAsJsonObject();
        partial.setLength(0);
        if (message.has("id")) {
          CompletableFuture<JsonObject> reply = pending.remove(message.get("id").getAsInt());
          if (reply != null) {
            reply.complete(message);
          }
        } else if ("Network.responseReceived".equals(message.get("method").getAsString())) {
          JsonObject params = message.getAsJsonObject("params");
          if ("Document".equals(params.get("type").getAsString())) {
            documentStatus = params.getAsJsonObject("response").get("status").getAsInt();
          }
        }
      }
      webSocket.request(1);
      return null;
    }
  }
}
