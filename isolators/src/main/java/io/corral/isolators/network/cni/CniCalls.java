package io.corral.isolators.network.cni;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.corral.isolators.IsolatorException;
import io.corral.proto.v1.NetworkInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The CNI calls for one attachment (a container on one network, as interface {@code ethN}):
 * ADD runs the network's plugins in order, each given the previous one's result as
 * {@code prevResult}; DEL runs them in reverse; CHECK in order, with the ADD result. Each plugin
 * gets the CNI environment and its configuration with the network's {@code name} and
 * {@code cniVersion}, Mesos' {@code args["org.apache.mesos"]["network_info"]} (the requested
 * NetworkInfo as JSON: labels, port mappings, ...) and, where the plugin declares the
 * {@code portMappings} capability, the CNI convention {@code runtimeConfig.portMappings}.
 * Failures are {@link IsolatorException}s naming the container, the network, the plugin and its
 * error. Stateless; any thread; blocks the caller.
 */
final class CniCalls {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A container's place on one network. */
  record Attachment(String containerId, NetworkConfigs.Network network, String ifName, NetworkInfo info) {}

  private final PluginPath path;
  private final PluginRunner runner;

  CniCalls(PluginPath path, PluginRunner runner) {
    this.path = path;
    this.runner = runner;
  }

  /** ADD: the final result. */
  CniResult add(Attachment a, Path netns, Path scratch) {
    String what = "attach container '" + a.containerId() + "' to CNI network '" + a.network().name() + "'";
    CniResult result = null;
    for (ObjectNode plugin : a.network().plugins()) {
      String stdout = call("ADD", a, plugin, Optional.of(netns), Optional.ofNullable(result), scratch, what);
      try {
        result = CniResult.parse(stdout);
      } catch (IllegalArgumentException e) {
        throw new IsolatorException("Failed to " + what + ": the plugin '" + plugin.get("type").asText()
            + "' printed a " + e.getMessage());
      }
    }
    return result;
  }

  /** DEL, every plugin in reverse order even when one fails; the first failure is thrown. */
  void del(Attachment a, Optional<Path> netns, Optional<CniResult> added, Path scratch) {
    String what = "detach container '" + a.containerId() + "' from CNI network '" + a.network().name() + "'";
    Optional<CniResult> prev = atLeast(a.network().cniVersion(), 0, 4) ? added : Optional.empty();
    IsolatorException first = null;
    List<ObjectNode> reversed = new ArrayList<>(a.network().plugins());
    java.util.Collections.reverse(reversed);
    for (ObjectNode plugin : reversed) {
      try {
        call("DEL", a, plugin, netns, prev, scratch, what);
      } catch (IsolatorException e) {
        first = first == null ? e : first;
      }
    }
    if (first != null) {
      throw first;
    }
  }

  /** CHECK, where the network's version has it (0.4.0 and later) and the ADD result is known. */
  boolean check(Attachment a, Path netns, CniResult added, Path scratch) {
    if (!atLeast(a.network().cniVersion(), 0, 4)) {
      return false;
    }
    String what = "check container '" + a.containerId() + "' on CNI network '" + a.network().name() + "'";
    for (ObjectNode plugin : a.network().plugins()) {
      call("CHECK", a, plugin, Optional.of(netns), Optional.of(added), scratch, what);
    }
    return true;
  }

  private String call(String command, Attachment a, ObjectNode plugin, Optional<Path> netns,
      Optional<CniResult> prev, Path scratch, String what) {
    String type = plugin.get("type").asText();
    Path binary = path.find(type).orElseThrow(() -> new IsolatorException("Failed to " + what
        + ": the plugin '" + type + "' is not in the plugins path '" + path + "'"));
    Map<String, String> env = new LinkedHashMap<>();
    env.put("CNI_COMMAND", command);
    env.put("CNI_CONTAINERID", a.containerId());
    netns.ifPresent(ns -> env.put("CNI_NETNS", ns.toString()));
    env.put("CNI_IFNAME", a.ifName());
    env.put("CNI_PATH", path.toString());
    PluginRunner.Outcome outcome;
    try {
      byte[] stdin = JSON.writeValueAsBytes(stdin(a, plugin, prev));
      outcome = runner.run(binary, env, stdin, scratch);
    } catch (PluginRunner.TimedOut e) {
      throw new IsolatorException("Failed to " + what + ": the plugin '" + type + "' " + e.getMessage());
    } catch (IOException e) {
      throw new IsolatorException("Failed to " + what + ": the plugin '" + type + "' could not be run: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IsolatorException("Failed to " + what + ": interrupted while the plugin '" + type + "' ran");
    }
    if (outcome.exitCode() != 0) {
      String error = CniResult.error(outcome.stdout()).orElse("stdout='" + CniResult.abbreviate(outcome.stdout()) + "'");
      throw new IsolatorException("Failed to " + what + ": the plugin '" + type + "' failed (exit code "
          + outcome.exitCode() + "): " + error + (outcome.stderr().isEmpty() ? "" : "; stderr='"
          + CniResult.abbreviate(outcome.stderr()) + "'"));
    }
    return outcome.stdout();
  }

  /** The configuration a plugin reads on stdin. */
  static ObjectNode stdin(Attachment a, ObjectNode plugin, Optional<CniResult> prev) {
    ObjectNode conf = plugin.deepCopy();
    conf.put("name", a.network().name());
    conf.put("cniVersion", a.network().cniVersion());
    ObjectNode args = conf.has("args") ? (ObjectNode) conf.get("args") : conf.putObject("args");
    try {
      String info = JsonFormat.printer().preservingProtoFieldNames().print(a.info());
      args.putObject("org.apache.mesos").set("network_info", JSON.readTree(info));
    } catch (InvalidProtocolBufferException | com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IsolatorException("Failed to encode the NetworkInfo of network '" + a.network().name() + "': " + e, e);
    }
    if (conf.path("capabilities").path("portMappings").asBoolean(false) && a.info().getPortMappingsCount() > 0) {
      ArrayNode mappings = conf.putObject("runtimeConfig").putArray("portMappings");
      a.info().getPortMappingsList().forEach(m -> mappings.addObject()
          .put("hostPort", m.getHostPort()).put("containerPort", m.getContainerPort())
          .put("protocol", m.hasProtocol() ? m.getProtocol().toLowerCase(java.util.Locale.ROOT) : "tcp"));
    }
    prev.ifPresent(result -> conf.set("prevResult", result.json()));
    return conf;
  }

  /** Whether a CNI version string is at least major.minor (unparsable: no). */
  static boolean atLeast(String version, int major, int minor) {
    String[] parts = version.split("\\.");
    try {
      int ma = Integer.parseInt(parts[0]);
      int mi = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
      return ma > major || (ma == major && mi >= minor);
    } catch (NumberFormatException e) {
      return false;
    }
  }
}
