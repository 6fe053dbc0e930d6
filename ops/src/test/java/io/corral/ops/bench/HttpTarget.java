package io.corral.ops.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A running {@code corral agent}, driven through {@code POST /api/v1} with JSON bodies by one
 * keep-alive {@link HttpClient} (HTTP/1.1; concurrent callers get their own pooled
 * connections). Any thread may call; each call blocks until the response.
 */
final class HttpTarget implements LaunchBench.Target {
  private static final Pattern EXIT_STATUS = Pattern.compile("\"exit_status\"\\s*:\\s*(-?\\d+)");

  private final URI api;
  private final HttpClient client = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10))
      .build();

  /** The {@code Authorization} header sent with each call, or null. */
  private final String authorization;

  /** The {@code container} object of each LAUNCH (a Docker image), or empty for the host's root. */
  private final String container;

  /**
   * @param credentials the agent's credentials file (its {@code <work_dir>/credentials} when it
   *     generated one), or null to send none
   */
  HttpTarget(String url, String credentials) {
    this(url, credentials, null);
  }

  /**
   * @param image a Docker image name each container runs from ({@code container.mesos.image}),
   *     or null for containers on the host's root file system
   */
  HttpTarget(String url, String credentials, String image) {
    this(url, credentials, image, null);
  }

  /**
   * @param network a CNI network each container joins ({@code container.network_infos}), or
   *     null for the host's network
   */
  HttpTarget(String url, String credentials, String image, String network) {
    this.api = URI.create(url);
    String networks = network == null ? "" : ",\"network_infos\":[{\"name\":\"" + network + "\"}]";
    this.container = image == null && network == null ? ""
        : ",\"container\":{\"type\":\"MESOS\"" + networks + (image == null ? "" : ",\"mesos\":{\"image\":"
            + "{\"type\":\"DOCKER\",\"docker\":{\"name\":\"" + image + "\"}}}") + "}";
    this.authorization = credentials == null ? null
        : io.corral.http.security.Credentials.read(credentials)
            .basicAuthorization(java.util.Optional.empty());
  }

  @Override
  public void launch(String id, List<String> argv) {
    String arguments = argv.stream().map(a -> "\"" + a + "\"").collect(Collectors.joining(","));
    call("{\"type\":\"LAUNCH_CONTAINER\",\"launch_container\":{\"container_id\":{\"value\":\"" + id + "\"},"
        + "\"command\":{\"shell\":false,\"value\":\"" + argv.get(0) + "\",\"arguments\":[" + arguments + "]},"
        + "\"resources\":[{\"name\":\"cpus\",\"type\":\"SCALAR\",\"scalar\":{\"value\":0.1}},"
        + "{\"name\":\"mem\",\"type\":\"SCALAR\",\"scalar\":{\"value\":64}}]" + container + "}}", "launch");
  }

  @Override
  public int await(String id) {
    String body = call("{\"type\":\"WAIT_CONTAINER\",\"wait_container\":{\"container_id\":{\"value\":\""
        + id + "\"}}}", "wait");
    Matcher m = EXIT_STATUS.matcher(body);
    if (!m.find()) {
      throw new IllegalStateException("Failed to wait: no exit_status in " + body);
    }
    return Integer.parseInt(m.group(1));
  }

  @Override
  public void kill(String id, int signal) {
    call("{\"type\":\"KILL_CONTAINER\",\"kill_container\":{\"container_id\":{\"value\":\"" + id
        + "\"},\"signal\":" + signal + "}}", "kill");
  }

  @Override
  public void remove(String id) {
    call("{\"type\":\"REMOVE_CONTAINER\",\"remove_container\":{\"container_id\":{\"value\":\"" + id
        + "\"}}}", "remove");
  }

  @Override
  public String describe() {
    return "http " + api + (container.contains("\"image\"") ? " with an image" : "")
        + (container.contains("network_infos") ? " on a CNI network" : "");
  }

  @Override
  public void close() {
    // HttpClient has no close() on Java 17; its threads are daemons.
  }

  private String call(String json, String verb) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(api)
        .timeout(Duration.ofSeconds(60))
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json));
    if (authorization != null) {
      builder.header("Authorization", authorization);
    }
    HttpRequest request = builder.build();
    HttpResponse<String> response;
    try {
      response = client.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException("Failed to " + verb + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted", e);
    }
    if (response.statusCode() != 200) {
      throw new IllegalStateException("Failed to " + verb + ": HTTP " + response.statusCode() + " " + response.body());
    }
    return response.body();
  }
}
