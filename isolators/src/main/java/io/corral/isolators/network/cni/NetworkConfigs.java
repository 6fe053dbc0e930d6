package io.corral.isolators.network.cni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CNI networks of {@code --network_cni_config_dir}: every regular file in it (sorted by
 * name) is a network, either one plugin's configuration (Mesos' only form: {@code name} and
 * {@code type} required) or a list ({@code .conflist}, or any file with a {@code plugins}
 * array: {@code name}, {@code cniVersion} and the plugins, run in order). A file that does not
 * parse, lacks a name or a type, names a plugin (or IPAM plugin) not in the plugins path, sets
 * {@code args["org.apache.mesos"]} (Mesos reserves it), or repeats a name already taken by an
 * earlier file is skipped, logged, and kept with its reason for the refusal message. The
 * directory is re-read when it or one of its files changes (its listing, modification times and
 * sizes), so networks can be added, changed or removed without a restart.
 *
 * <p>Threading: {@link #current} is synchronized; it reads files on the caller's thread.
 */
final class NetworkConfigs {
  private static final Logger LOG = LoggerFactory.getLogger(NetworkConfigs.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** A network's name names its directory under the root dir. */
  private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[A-Za-z0-9_.-]{1,100}");

  /** One network: its name, file, CNI version and plugin configurations in order. */
  record Network(String name, Path file, String cniVersion, List<ObjectNode> plugins) {}

  /** What a read of the directory found: the networks by name, and the files skipped (with why). */
  record Loaded(Map<String, Network> networks, Map<String, String> skipped) {}

  private final Path dir;
  private final PluginPath plugins;
  private List<String> fingerprint = List.of();
  private Loaded loaded = new Loaded(Map.of(), Map.of());

  NetworkConfigs(Path dir, PluginPath plugins) {
    this.dir = dir;
    this.plugins = plugins;
  }

  /** The networks now on disk. */
  synchronized Loaded current() {
    List<Path> files;
    List<String> now = new ArrayList<>();
    try (Stream<Path> listing = Files.list(dir)) {
      files = listing.filter(Files::isRegularFile).sorted().toList();
      for (Path file : files) {
        now.add(file.getFileName() + ":" + Files.getLastModifiedTime(file).toMillis() + ":" + Files.size(file));
      }
    } catch (IOException e) {
      throw new IllegalStateException("Failed to read the CNI configuration directory '" + dir + "': " + e, e);
    }
    if (!now.equals(fingerprint)) {
      loaded = load(files);
      fingerprint = now;
    }
    return loaded;
  }

  private Loaded load(List<Path> files) {
    Map<String, Network> networks = new LinkedHashMap<>();
    Map<String, String> skipped = new LinkedHashMap<>();
    for (Path file : files) {
      String fileName = file.getFileName().toString();
      try {
        Network network = parse(file);
        if (networks.containsKey(network.name())) {
          throw new IllegalArgumentException("the network name '" + network.name() + "' is already"
              + " taken by '" + networks.get(network.name()).file().getFileName() + "'");
        }
        networks.put(network.name(), network);
      } catch (IOException | IllegalArgumentException e) {
        String why = e instanceof IOException ? "invalid JSON: " + e.getMessage().lines().findFirst().orElse("")
            : e.getMessage();
        LOG.error("Skipping CNI network configuration '{}': {}", file, why);
        skipped.put(fileName, why);
      }
    }
    LOG.info("CNI networks in '{}': {}", dir, networks.keySet());
    return new Loaded(Map.copyOf(networks), Map.copyOf(skipped));
  }

  /** One file as a network; IllegalArgumentException names what is wrong. */
  Network parse(Path file) throws IOException {
    JsonNode root = JSON.readTree(file.toFile());
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("not a JSON object");
    }
    String name = text(root, "name").orElseThrow(() -> new IllegalArgumentException("no 'name'"));
    if (!NAME.matcher(name).matches() || name.startsWith(".")) {
      throw new IllegalArgumentException("the network name '" + name + "' is not 1 to 100 characters"
          + " of [A-Za-z0-9_.-]");
    }
    String version = text(root, "cniVersion").orElse("0.1.0");
    List<ObjectNode> chain = new ArrayList<>();
    if (root.has("plugins")) {
      if (!root.get("plugins").isArray() || root.get("plugins").isEmpty()) {
        throw new IllegalArgumentException("'plugins' is not a non-empty array");
      }
      for (JsonNode plugin : root.get("plugins")) {
        if (!plugin.isObject()) {
          throw new IllegalArgumentException("a plugin is not a JSON object");
        }
        chain.add(checked((ObjectNode) plugin));
      }
    } else {
      chain.add(checked((ObjectNode) root));
    }
    return new Network(name, file, version, List.copyOf(chain));
  }

  private ObjectNode checked(ObjectNode plugin) {
    String type = text(plugin, "type").orElseThrow(() -> new IllegalArgumentException("no plugin 'type'"));
    plugins.find(type).orElseThrow(() -> new IllegalArgumentException("the plugin '" + type
        + "' is not in the plugins path '" + plugins + "'"));
    JsonNode ipam = plugin.path("ipam");
    if (ipam.isObject() && ipam.has("type")) {
      String ipamType = ipam.get("type").asText();
      plugins.find(ipamType).orElseThrow(() -> new IllegalArgumentException("the IPAM plugin '"
          + ipamType + "' is not in the plugins path '" + plugins + "'"));
    }
    JsonNode args = plugin.path("args");
    if (!args.isMissingNode() && !args.isObject()) {
      throw new IllegalArgumentException("'args' is not a JSON object");
    }
    if (args.has("org.apache.mesos")) {
      throw new IllegalArgumentException("'org.apache.mesos' in 'args' is reserved");
    }
    return plugin;
  }

  private static Optional<String> text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value != null && value.isTextual() && !value.asText().isEmpty()
        ? Optional.of(value.asText()) : Optional.empty();
  }
}
