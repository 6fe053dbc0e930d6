package io.corral.isolators.docker.volume;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Finds a legacy Docker plugin by name, as Docker does: first a socket {@code <dir>/<name>.sock}
 * or {@code <dir>/<name>/<name>.sock} in any of the directories, then a {@code .spec} file (one
 * URL, {@code unix:///path.sock} or {@code tcp://host:port}) or a {@code .json} file
 * ({@code {"Name","Addr","TLSConfig"}}) at the same places. The directories are
 * {@code --docker_volume_plugin_dirs} (Docker's {@code /run/docker/plugins},
 * {@code /etc/docker/plugins} and {@code /usr/lib/docker/plugins} by default). A plugin that asks
 * for TLS is refused: Corral speaks plain HTTP only. Reads the filesystem; any thread.
 */
final class PluginDiscovery {
  /** A plugin name: what Docker accepts for a legacy plugin, and never a path. */
  static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** No file announces the plugin (yet, or any more). */
  static final class NotFound extends IOException {
    NotFound(String message) {
      super(message);
    }
  }

  /** Where a plugin listens: the socket address, the Host header, and where it was found. */
  record Address(SocketAddress socket, String host, Path foundAt) {}

  private final List<Path> dirs;

  PluginDiscovery(List<Path> dirs) {
    this.dirs = List.copyOf(dirs);
  }

  /** The file that announces plugin {@code name}, if any: cheap (a few stats). */
  Optional<Path> announcement(String name) {
    if (!NAME.matcher(name).matches()) {
      return Optional.empty();
    }
    for (String ext : List.of(".sock", ".spec", ".json")) {
      for (Path dir : dirs) {
        for (Path candidate : List.of(dir.resolve(name + ext), dir.resolve(name).resolve(name + ext))) {
          if (Files.exists(candidate)) {
            return Optional.of(candidate);
          }
        }
      }
    }
    return Optional.empty();
  }

  /** Where plugin {@code name} listens. */
  Address find(String name) throws IOException {
    Path file = announcement(name).orElseThrow(() -> new NotFound("plugin '" + name
        + "' not found in " + dirs.stream().map(d -> "'" + d + "'").toList()));
    String fileName = file.getFileName().toString();
    if (fileName.endsWith(".sock")) {
      return new Address(UnixDomainSocketAddress.of(file), "plugin", file);
    }
    if (fileName.endsWith(".spec")) {
      return fromUrl(Files.readString(file).trim(), file);
    }
    JsonNode spec;
    try {
      spec = JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new IOException("malformed plugin spec '" + file + "': " + e.getMessage(), e);
    }
    JsonNode tls = spec.path("TLSConfig");
    if (!tls.isMissingNode() && !tls.isNull()) {
      throw new IOException("plugin spec '" + file + "' asks for TLS, which Corral does not support");
    }
    return fromUrl(spec.path("Addr").asText(""), file);
  }

  private static Address fromUrl(String url, Path file) throws IOException {
    URI uri;
    try {
      uri = new URI(url);
    } catch (java.net.URISyntaxException e) {
      throw new IOException("malformed plugin address '" + url + "' in '" + file + "'", e);
    }
    if ("unix".equals(uri.getScheme()) && uri.getPath() != null && uri.getPath().startsWith("/")) {
      return new Address(UnixDomainSocketAddress.of(uri.getPath()), "plugin", file);
    }
    if ("tcp".equals(uri.getScheme()) && uri.getHost() != null && uri.getPort() > 0) {
      return new Address(new InetSocketAddress(uri.getHost(), uri.getPort()),
          uri.getHost() + ":" + uri.getPort(), file);
    }
    throw new IOException("unsupported plugin address '" + url + "' in '" + file
        + "': use unix:///path or tcp://host:port");
  }
}
