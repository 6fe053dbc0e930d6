package io.corral.isolators.network.cni;

import io.corral.posix.BindMounts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The flags of {@code network/cni}, resolved by the agent at start.
 *
 * @param configDir {@code --network_cni_config_dir}: the network configurations; empty when the
 *     flag is not given (then every container that names a network is refused)
 * @param pluginsDirs {@code --network_cni_plugins_dir}, split at ':': where plugins are looked up
 * @param rootDir {@code <runtime_dir>/isolators/network/cni}, or {@code <work_dir>/...} with
 *     {@code --network_cni_root_dir_persist}
 * @param pluginTimeout {@code --network_cni_plugin_timeout}: how long one plugin call may take
 * @param dns {@code --default_container_dns}
 * @param mounts the bind verbs that keep a network namespace (the composition root passes the
 *     kernel's; null when CNI is not configured)
 */
public record CniConfig(Optional<Path> configDir, List<Path> pluginsDirs, Path rootDir,
    Duration pluginTimeout, ContainerDns dns, BindMounts mounts) {

  /** What Mesos waits for a plugin when the flag is not given (Corral's default). */
  public static final Duration DEFAULT_PLUGIN_TIMEOUT = Duration.ofMinutes(1);

  /** No CNI flags: the isolator can be enabled and refuses every named network. */
  public static CniConfig disabled() {
    return new CniConfig(Optional.empty(), List.of(), Path.of("/nonexistent"), DEFAULT_PLUGIN_TIMEOUT,
        ContainerDns.NONE, null);
  }

  /** Whether networks are configured at all. */
  public boolean enabled() {
    return configDir.isPresent();
  }

  /** The plugins' search path as {@code CNI_PATH} wants it. */
  public String pluginPath() {
    return pluginsDirs.stream().map(Path::toString).collect(Collectors.joining(":"));
  }
}
