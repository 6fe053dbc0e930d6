package io.corral.isolators.network.cni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Mesos' {@code --default_container_dns} ({@code ContainerDNSInfo}): the DNS a container gets on a
 * CNI network whose plugins returned no nameservers. Of the JSON
 * {@code {"mesos":[{"network_mode":"CNI"|"HOST","network_name":..,"dns":{..}}],"docker":[..]}}
 * the Mesos containerizer reads the {@code CNI} entries of {@code "mesos"}: the one naming the
 * network, else the one without a name. Checked as Mesos checks it: a HOST entry names no
 * network, and no network (nor the unnamed default) is given twice. Immutable; any thread.
 *
 * @param cni the CNI entries of {@code "mesos"}, in order
 */
public record ContainerDns(List<Entry> cni) {
  /** No flag. */
  public static final ContainerDns NONE = new ContainerDns(List.of());

  /** One entry: the network it is for (empty: every CNI network without an entry of its own). */
  public record Entry(Optional<String> networkName, Dns dns) {}

  /** Parses the flag's JSON; an {@link IllegalArgumentException} stops the agent. */
  public static ContainerDns parse(String json) {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(json);
    } catch (IOException e) {
      throw new IllegalArgumentException("Failed to parse --default_container_dns: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("Failed to parse --default_container_dns: not a JSON object");
    }
    List<Entry> entries = new ArrayList<>();
    List<String> seen = new ArrayList<>();
    for (JsonNode item : root.path("mesos")) {
      String mode = item.path("network_mode").asText("");
      Optional<String> name = item.hasNonNull("network_name")
          ? Optional.of(item.get("network_name").asText()) : Optional.empty();
      if (mode.equals("HOST")) {
        if (name.isPresent()) {
          throw new IllegalArgumentException("Failed to parse --default_container_dns: the network"
              + " name '" + name.get() + "' is not allowed with the HOST network mode");
        }
        continue;
      }
      if (!mode.equals("CNI")) {
        throw new IllegalArgumentException("Failed to parse --default_container_dns: unknown"
            + " network_mode '" + mode + "' (CNI or HOST)");
      }
      String key = name.orElse("");
      if (seen.contains(key)) {
        throw new IllegalArgumentException("Failed to parse --default_container_dns: multiple"
            + " DNS entries for " + (name.isPresent() ? "CNI network '" + key + "'" : "CNI networks"));
      }
      seen.add(key);
      entries.add(new Entry(name, Dns.of(item.path("dns"))));
    }
    return new ContainerDns(List.copyOf(entries));
  }

  /** The DNS for this network by the flag, if any. */
  public Optional<Dns> forNetwork(String network) {
    return cni.stream().filter(e -> e.networkName().equals(Optional.of(network))).findFirst()
        .or(() -> cni.stream().filter(e -> e.networkName().isEmpty()).findFirst())
        .map(Entry::dns);
  }
}
