package io.corral.isolators.docker.volume;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Docker volume plugin protocol, spoken to legacy plugins that {@link PluginDiscovery} finds:
 * every call a {@code POST} of JSON, preceded once per plugin address by
 * {@code /Plugin.Activate} (which must list {@code VolumeDriver}). A call is bounded by the
 * timeout as a whole; within it, a plugin that cannot be reached (no socket, nothing listening)
 * is tried again after 0.1 s, doubling up to 2 s, as Docker retries with backoff. A non-200
 * status, or a 200 whose {@code Err} is not empty, is a {@link PluginError} carrying the
 * plugin's text. Thread-safe: calls may run in parallel.
 */
final class VolumeDriverClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MAX_BACKOFF_NANOS = Duration.ofSeconds(2).toNanos();

  /** The plugin answered, with an error: it did not do what was asked. */
  static final class PluginError extends IOException {
    private final int status;

    PluginError(int status, String message) {
      super(message);
      this.status = status;
    }

    /** The HTTP status of the answer. */
    int status() {
      return status;
    }
  }

  /** A volume as Get and List describe it. */
  record VolumeInfo(String name, String mountpoint) {}

  private final PluginDiscovery discovery;
  private final Duration timeout;
  private final Set<String> activated = ConcurrentHashMap.newKeySet();

  VolumeDriverClient(PluginDiscovery discovery, Duration timeout) {
    this.discovery = discovery;
    this.timeout = timeout;
  }

  /** Creates the volume if missing (idempotent, as Docker and dvdcli call it before a mount). */
  void create(String driver, String name, Map<String, String> options) throws IOException {
    ObjectNode body = JSON.createObjectNode().put("Name", name);
    ObjectNode opts = body.putObject("Opts");
    options.forEach(opts::put);
    call(driver, "/VolumeDriver.Create", body);
  }

  /** Mounts the volume for the caller {@code id}; the host path it is mounted at. */
  String mount(String driver, String name, String id) throws IOException {
    JsonNode reply = call(driver, "/VolumeDriver.Mount", JSON.createObjectNode().put("Name", name).put("ID", id));
    String mountpoint = reply.path("Mountpoint").asText("");
    if (mountpoint.isEmpty()) {
      throw new IOException("plugin '" + driver + "' returned no Mountpoint for volume '" + name + "'");
    }
    return mountpoint;
  }

  /** Releases the mount of caller {@code id}. */
  void unmount(String driver, String name, String id) throws IOException {
    call(driver, "/VolumeDriver.Unmount", JSON.createObjectNode().put("Name", name).put("ID", id));
  }

  void remove(String driver, String name) throws IOException {
    call(driver, "/VolumeDriver.Remove", JSON.createObjectNode().put("Name", name));
  }

  /** Where the volume is mounted on the host, if it is. */
  Optional<String> path(String driver, String name) throws IOException {
    String path = call(driver, "/VolumeDriver.Path", JSON.createObjectNode().put("Name", name))
        .path("Mountpoint").asText("");
    return path.isEmpty() ? Optional.empty() : Optional.of(path);
  }

  VolumeInfo get(String driver, String name) throws IOException {
    return info(call(driver, "/VolumeDriver.Get", JSON.createObjectNode().put("Name", name)).path("Volume"));
  }

  List<VolumeInfo> list(String driver) throws IOException {
    List<VolumeInfo> volumes = new ArrayList<>();
    call(driver, "/VolumeDriver.List", JSON.createObjectNode()).path("Volumes").forEach(v -> volumes.add(info(v)));
    return volumes;
  }

  /** The plugin's scope, {@code local} or {@code global}; {@code local} when it has no Capabilities. */
  String scope(String driver) throws IOException {
    try {
      return call(driver, "/VolumeDriver.Capabilities", JSON.createObjectNode())
          .path("Capabilities").path("Scope").asText("local");
    } catch (PluginError e) {
      if (e.status() == 404) {
        return "local";
      }
      throw e;
    }
  }

  private static VolumeInfo info(JsonNode volume) {
    return new VolumeInfo(volume.path("Name").asText(""), volume.path("Mountpoint").asText(""));
  }

  private JsonNode call(String driver, String method, JsonNode body) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    long backoff = MAX_BACKOFF_NANOS / 20;
    while (true) {
      try {
        PluginDiscovery.Address address = discovery.find(driver);
        String key = address.socket().toString();
        if (!activated.contains(key)) {
          activate(driver, address, deadline);
          activated.add(key);
        }
        return decode(driver, method, post(address, method, body.toString(), deadline));
      } catch (ConnectException | PluginDiscovery.NotFound e) {
        activated.clear();
        long left = deadline - System.nanoTime();
        if (left <= backoff) {
          throw new IOException("plugin '" + driver + "' cannot be reached: " + e.getMessage(), e);
        }
        pause(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_NANOS);
      }
    }
  }

  private void activate(String driver, PluginDiscovery.Address address, long deadline) throws IOException {
    JsonNode reply = decode(driver, "/Plugin.Activate", post(address, "/Plugin.Activate", "", deadline));
    for (JsonNode implemented : reply.path("Implements")) {
      if (implemented.asText().equals("VolumeDriver")) {
        return;
      }
    }
    throw new PluginError(200, "plugin '" + driver + "' does not implement VolumeDriver (it implements "
        + reply.path("Implements") + ")");
  }

  private static PluginHttp.Response post(PluginDiscovery.Address address, String method, String body,
      long deadline) throws IOException {
    long left = deadline - System.nanoTime();
    if (left <= 0) {
      throw new java.net.SocketTimeoutException("no time left for '" + method + "'");
    }
    return PluginHttp.post(address.socket(), address.host(), method, body, Duration.ofNanos(left));
  }

  private static JsonNode decode(String driver, String method, PluginHttp.Response response) throws IOException {
    JsonNode reply;
    try {
      reply = response.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(response.body());
    } catch (JsonProcessingException e) {
      if (response.status() != 200) {
        throw new PluginError(response.status(), "HTTP " + response.status() + " "
            + PluginHttp.printable(response.body().trim()));
      }
      throw new IOException("malformed response from plugin '" + driver + "' to '" + method + "': '"
          + PluginHttp.printable(response.body()) + "'", e);
    }
    String err = reply.path("Err").asText("");
    if (response.status() != 200) {
      throw new PluginError(response.status(), err.isEmpty()
          ? "HTTP " + response.status() + " " + PluginHttp.printable(response.body().trim()) : err);
    }
    if (!err.isEmpty()) {
      throw new PluginError(200, err);
    }
    if (!reply.isObject()) {
      throw new IOException("malformed response from plugin '" + driver + "' to '" + method + "': '"
          + PluginHttp.printable(response.body()) + "'");
    }
    return reply;
  }

  private static void pause(long nanos) throws IOException {
    try {
      Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for the plugin", e);
    }
  }
}
