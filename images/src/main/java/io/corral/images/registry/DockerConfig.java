package io.corral.images.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Registry credentials from a Docker {@code config.json} ({@code --docker_config}): for each
 * registry host in {@code auths}, {@code auth} is base64 of {@code user:password} (or the entry has
 * {@code username} and {@code password}). Keys may be URLs ({@code https://index.docker.io/v1/}) or
 * {@code host[:port]}; Docker Hub's names are treated as one. Read once; immutable afterwards.
 */
public final class DockerConfig {

  /** A user name and password for Basic auth, at a registry or at its token realm. */
  public record Credentials(String user, String password) {
    public String basicHeader() {
      String pair = user + ":" + password;
      return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
      return "Credentials[user=" + user + "]";
    }
  }

  private static final DockerConfig EMPTY = new DockerConfig(Map.of());
  private final Map<String, Credentials> byHost;

  private DockerConfig(Map<String, Credentials> byHost) {
    this.byHost = Map.copyOf(byHost);
  }

  /** No credentials at all. */
  public static DockerConfig empty() {
    return EMPTY;
  }

  /** Reads {@code file}, or returns {@link #empty()} for null. */
  public static DockerConfig read(Path file) throws IOException {
    if (file == null) {
      return EMPTY;
    }
    try {
      return parse(new ObjectMapper().readTree(file.toFile()));
    } catch (IOException | IllegalArgumentException e) {
      throw new IOException("Failed to read docker config '" + file + "': " + e.getMessage(), e);
    }
  }

  static DockerConfig parse(JsonNode json) {
    Map<String, Credentials> map = new HashMap<>();
    for (var entry : json.path("auths").properties()) {
      JsonNode v = entry.getValue();
      Credentials c = null;
      if (v.hasNonNull("auth") && !v.get("auth").asText().isEmpty()) {
        String pair = new String(Base64.getDecoder().decode(v.get("auth").asText()), StandardCharsets.UTF_8);
        int colon = pair.indexOf(':');
        if (colon < 0) {
          throw new IllegalArgumentException("'auth' of '" + entry.getKey() + "' is not base64 of user:password");
        }
        c = new Credentials(pair.substring(0, colon), pair.substring(colon + 1));
      } else if (v.hasNonNull("username")) {
        c = new Credentials(v.get("username").asText(), v.path("password").asText(""));
      }
      if (c != null) {
        map.put(hostOf(entry.getKey()), c);
      }
    }
    return new DockerConfig(map);
  }

  /** The credentials for {@code authority} ({@code host[:port]}), if the config has any. */
  public Optional<Credentials> lookup(String authority) {
    Credentials c = byHost.get(canonical(authority));
    return Optional.ofNullable(c);
  }

  private static String hostOf(String key) {
    String k = key.trim();
    if (k.contains("://")) {
      URI uri = URI.create(k);
      k = uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
    } else if (k.contains("/")) {
      k = k.substring(0, k.indexOf('/'));
    }
    return canonical(k);
  }

  private static String canonical(String host) {
    String h = host.toLowerCase(java.util.Locale.ROOT);
    if (h.equals("docker.io") || h.equals("index.docker.io") || h.equals("registry-1.docker.io")) {
      return "docker.io";
    }
    return h;
  }
}
