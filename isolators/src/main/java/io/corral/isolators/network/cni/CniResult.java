package io.corral.isolators.network.cni;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A CNI plugin's result, in every format of the spec: 0.1.0 and 0.2.0 ({@code ip4}/{@code ip6}
 * with {@code ip}), 0.3.x, 0.4.0 and 1.0.0 ({@code ips} with {@code address}); the addresses are
 * CIDRs ({@code 10.0.0.2/24}). A result that is not a JSON object, or whose addresses are not IP
 * addresses, is malformed. Also reads a plugin's JSON error ({@code {"code":..,"msg":..}}).
 * Immutable; any thread.
 *
 * @param json the result as the plugin printed it (the {@code prevResult} of later calls)
 * @param addresses the addresses without their prefix length, in the result's order
 * @param dns the result's DNS
 */
record CniResult(ObjectNode json, List<String> addresses, Dns dns) {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern ADDRESS = Pattern.compile("[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*");

  /** A plugin's stdout as a result; IllegalArgumentException says why it is malformed. */
  static CniResult parse(String stdout) {
    JsonNode root;
    try {
      root = JSON.readTree(stdout);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("malformed result '" + abbreviate(stdout) + "': "
          + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("malformed result '" + abbreviate(stdout) + "': not a JSON object");
    }
    List<String> addresses = new ArrayList<>();
    if (root.has("ips")) {
      for (JsonNode ip : root.get("ips")) {
        addresses.add(address(ip.path("address"), stdout));
      }
    }
    for (String family : List.of("ip4", "ip6")) {
      if (root.has(family)) {
        addresses.add(address(root.get(family).path("ip"), stdout));
      }
    }
    return new CniResult((ObjectNode) root, List.copyOf(addresses), Dns.of(root.path("dns")));
  }

  private static String address(JsonNode cidr, String stdout) {
    String text = cidr.asText("");
    String ip = text.contains("/") ? text.substring(0, text.indexOf('/')) : text;
    if (!cidr.isTextual() || !ADDRESS.matcher(ip).matches()) {
      throw new IllegalArgumentException("malformed result '" + abbreviate(stdout) + "': '" + text
          + "' is not an IP address");
    }
    return ip;
  }

  /** The message of a plugin's JSON error on stdout, if it printed one. */
  static Optional<String> error(String stdout) {
    try {
      JsonNode root = JSON.readTree(stdout);
      if (root != null && root.has("msg")) {
        String details = root.path("details").asText("");
        return Optional.of(root.get("msg").asText() + (details.isEmpty() ? "" : " (" + details + ")")
            + (root.has("code") ? " [code " + root.get("code").asText() + "]" : ""));
      }
    } catch (JsonProcessingException e) {
      // not JSON: the caller shows stdout as it is
    }
    return Optional.empty();
  }

  /** The first IPv4 address, if any. */
  Optional<String> firstIpv4() {
    return addresses.stream().filter(a -> !a.contains(":")).findFirst();
  }

  static String abbreviate(String text) {
    String line = text.replace('\n', ' ');
    return line.length() > 200 ? line.substring(0, 200) + "..." : line;
  }
}
