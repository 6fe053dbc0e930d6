package io.corral.isolators.network.cni;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The DNS settings of a CNI result ({@code dns}) or of {@code --default_container_dns}, and the
 * {@code resolv.conf} they make. Immutable; any thread.
 */
public record Dns(List<String> nameservers, String domain, List<String> search, List<String> options) {

  /** Reads {@code {"nameservers":[..],"domain":..,"search":[..],"options":[..]}}; missing parts are empty. */
  public static Dns of(JsonNode node) {
    return new Dns(strings(node.path("nameservers")), node.path("domain").asText(""),
        strings(node.path("search")), strings(node.path("options")));
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(item -> {
      if (item.isTextual()) {
        out.add(item.asText());
      }
    });
    return List.copyOf(out);
  }

  /** The lines of a {@code resolv.conf}. */
  public String resolvConf() {
    StringBuilder out = new StringBuilder();
    if (!domain.isEmpty()) {
      out.append("domain ").append(domain).append('\n');
    }
    if (!search.isEmpty()) {
      out.append("search ").append(String.join(" ", search)).append('\n');
    }
    nameservers.forEach(n -> out.append("nameserver ").append(n).append('\n'));
    if (!options.isEmpty()) {
      out.append("options ").append(String.join(" ", options)).append('\n');
    }
    return out.toString();
  }
}
