package io.corral.isolators.network.cni;

import io.corral.isolators.IsolatorException;
import io.corral.isolators.network.cni.CniCalls.Attachment;
import io.corral.proto.v1.ContainerInfo;
import io.corral.proto.v1.NetworkInfo;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which networks a launch asks for, and the refusals at LAUNCH (a 400, before anything is
 * created): a network the configuration directory does not define (the message lists the known
 * networks and the files skipped, with why), a network named twice, a NetworkInfo without a name
 * that asks for something (Mesos skips those; Corral cannot honour them), a hostname for a
 * container on the host's network (Mesos ignores it), and a hostname longer than the kernel's 64
 * characters: {@code container.hostname}, else the container id (Mesos fails such a launch when
 * its helper sets the hostname, after the namespaces and networks are made). Reads the configuration directory on
 * the caller's thread (it is re-read only when it changed).
 */
final class Networks {
  private static final int HOST_NAME_MAX = 64;

  private final Optional<NetworkConfigs> configs;

  Networks(Optional<NetworkConfigs> configs) {
    this.configs = configs;
  }

  /** The parser of checkpointed configurations (the same checks as the directory's). */
  NetworkConfigs parser() {
    return configs.orElseThrow(() -> new IllegalStateException("CNI is not configured"));
  }

  /** The container's hostname on its networks: {@code ContainerInfo.hostname}, else its id. */
  static String hostname(String id, ContainerInfo info) {
    return info.hasHostname() ? info.getHostname() : id;
  }

  /** The names of the networks requested, in request order (duplicates kept). */
  static List<String> named(ContainerInfo info) {
    return info.getNetworkInfosList().stream().filter(NetworkInfo::hasName).map(NetworkInfo::getName).toList();
  }

  /** Why a launch of {@code info} is refused; {@code id} (when known) is the default hostname. */
  Optional<String> invalid(Optional<String> id, ContainerInfo info) {
    List<String> names = named(info);
    for (int i = 0; i < info.getNetworkInfosCount(); i++) {
      NetworkInfo n = info.getNetworkInfos(i);
      if (!n.hasName() && !n.equals(NetworkInfo.getDefaultInstance())) {
        return Optional.of("'container.network_infos[" + i + "]' names no CNI network: Corral cannot"
            + " honour its other fields on the host network");
      }
    }
    if (names.isEmpty()) {
      return info.hasHostname() ? Optional.of("a hostname ('container.hostname') needs a CNI network:"
          + " a container on the host network shares the host's hostname") : Optional.empty();
    }
    Set<String> seen = new LinkedHashSet<>();
    for (String name : names) {
      if (!seen.add(name)) {
        return Optional.of("it joins CNI network '" + name + "' more than once");
      }
    }
    if (configs.isEmpty()) {
      return Optional.of("unknown CNI network '" + names.get(0) + "': this agent has no CNI networks"
          + " (start it with --network_cni_config_dir and --network_cni_plugins_dir)");
    }
    NetworkConfigs.Loaded loaded = configs.get().current();
    for (String name : names) {
      if (!loaded.networks().containsKey(name)) {
        return Optional.of("unknown CNI network '" + name + "'" + describe(loaded));
      }
    }
    if (info.hasHostname()) {
      return info.getHostname().length() > HOST_NAME_MAX ? Optional.of("the hostname '" + info.getHostname()
          + "' ('container.hostname') is longer than " + HOST_NAME_MAX + " characters") : Optional.empty();
    }
    return id.filter(i -> i.length() > HOST_NAME_MAX).map(i -> "its id ('container_id', " + i.length()
        + " characters) is its hostname on CNI networks and is longer than " + HOST_NAME_MAX
        + " characters: set 'container.hostname'");
  }

  private static String describe(NetworkConfigs.Loaded loaded) {
    String known = loaded.networks().isEmpty() ? "none"
        : loaded.networks().keySet().stream().sorted().map(n -> "'" + n + "'").collect(Collectors.joining(", "));
    StringBuilder out = new StringBuilder(" (known networks: ").append(known);
    for (Map.Entry<String, String> skipped : loaded.skipped().entrySet()) {
      out.append("; skipped '").append(skipped.getKey()).append("': ").append(skipped.getValue());
    }
    return out.append(')').toString();
  }

  /** The attachments of a container (empty: the host network); refuses what {@link #invalid} refuses. */
  List<Attachment> attachments(String id, ContainerInfo info) {
    List<String> names = named(info);
    if (names.isEmpty()) {
      return List.of();
    }
    Optional<String> refused = invalid(Optional.of(id), info);
    if (refused.isPresent()) {
      throw new IsolatorException("Failed to prepare CNI networks: " + refused.get());
    }
    Map<String, NetworkConfigs.Network> current = configs.get().current().networks();
    List<Attachment> attachments = new ArrayList<>();
    for (NetworkInfo n : info.getNetworkInfosList()) {
      if (n.hasName()) {
        attachments.add(new Attachment(id, current.get(n.getName()), "eth" + attachments.size(), n));
      }
    }
    return attachments;
  }
}
