package io.corral.ops;

import io.corral.isolators.network.cni.CniConfig;
import io.corral.isolators.network.cni.ContainerDns;
import io.corral.posix.BindMounts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import picocli.CommandLine.Option;

/**
 * The {@code network/cni} flags of {@code corral agent}, with Mesos' names and meanings: with
 * neither directory flag, {@code network/cni} refuses every named network; with one, both are
 * required, and the configuration directory must exist (Mesos' checks). Corral adds that the
 * flags need {@code network/cni} in {@code --isolation} (a flag that would be ignored is
 * refused), and, because the agent runs the plugins as root, that neither directory (nor a
 * plugins directory) may be writable by anyone but root. Read on the main thread by
 * {@link #resolve} at start.
 */
final class CniFlags {
  @Option(names = "--network_cni_config_dir", paramLabel = "DIR",
      description = "The CNI network configurations (one network per file: a plugin's configuration or a"
          + " .conflist), re-read when they change. Needs network/cni in --isolation. Default: none"
          + " (a launch naming a network is refused).")
  Path configDir;

  @Option(names = "--network_cni_plugins_dir", paramLabel = "DIR[:DIR...]",
      description = "Colon-separated directories where CNI plugins are looked up (e.g. /usr/lib/cni)."
          + " Required with --network_cni_config_dir. Default: none.")
  String pluginsDir;

  @Option(names = "--network_cni_root_dir_persist", paramLabel = "BOOL", arity = "0..1", fallbackValue = "true",
      description = "Keep the CNI state (namespace handles, checkpointed configurations and results)"
          + " under <work_dir> instead of <runtime_dir>, so that DEL can run after a reboot."
          + " Default: false.")
  Boolean rootDirPersist;

  @Option(names = "--network_cni_plugin_timeout", paramLabel = "DURATION",
      converter = AgentFlags.PositiveDurationConverter.class,
      description = "How long one CNI plugin call may take before it is killed and the call fails."
          + " Default: 1mins.")
  Duration pluginTimeout;

  @Option(names = "--default_container_dns", paramLabel = "JSON|PATH",
      description = "Mesos' ContainerDNSInfo: the DNS of a container on a CNI network whose plugins"
          + " return none ({\"mesos\":[{\"network_mode\":\"CNI\",\"network_name\":..,\"dns\":{\"nameservers\":[..]}}]}),"
          + " the JSON or /path or file:///path to it. Default: none (the host's resolv.conf).")
  String defaultContainerDns;

  /**
   * The settings for these flags; the root dir is {@code <runtime_dir>/isolators/network/cni},
   * or under {@code workDir} when persisted.
   *
   * @throws StartupException naming the flag that is wrong
   */
  CniConfig resolve(Path workDir, Path runtimeDir, List<String> isolators) {
    ContainerDns dns = defaultContainerDns == null ? ContainerDns.NONE : dns(defaultContainerDns);
    if (configDir == null && pluginsDir == null) {
      return CniConfig.disabled();
    }
    if (configDir == null || pluginsDir == null) {
      throw new StartupException("Missing required '--network_cni_"
          + (configDir == null ? "config_dir" : "plugins_dir") + "' flag");
    }
    if (!isolators.contains("network/cni")) {
      throw new StartupException("The flags --network_cni_config_dir and --network_cni_plugins_dir need"
          + " 'network/cni' in --isolation");
    }
    if (!Files.isDirectory(configDir)) {
      throw new StartupException("The CNI network configuration directory '" + configDir + "' does not exist");
    }
    requireRootOnly("--network_cni_config_dir", configDir);
    List<Path> plugins = new ArrayList<>();
    for (String dir : pluginsDir.split(":")) {
      if (!dir.isBlank()) {
        Path path = Path.of(dir);
        if (!Files.isDirectory(path)) {
          throw new StartupException("The CNI plugins directory '" + dir + "' does not exist");
        }
        requireRootOnly("--network_cni_plugins_dir", path);
        plugins.add(path);
      }
    }
    Path base = Boolean.TRUE.equals(rootDirPersist) ? workDir : runtimeDir;
    Path root = base.resolve("isolators").resolve("network").resolve("cni");
    Directories.ensurePrivate("CNI root", root);
    return new CniConfig(Optional.of(configDir), List.copyOf(plugins), root,
        pluginTimeout == null ? CniConfig.DEFAULT_PLUGIN_TIMEOUT : pluginTimeout, dns,
        BindMounts.nativeDefault());
  }

  private static ContainerDns dns(String value) {
    String json = value;
    try {
      if (value.startsWith("file://") || value.startsWith("/")) {
        json = Files.readString(Path.of(value.replaceFirst("^file://", "")));
      }
      return ContainerDns.parse(json);
    } catch (IOException | IllegalArgumentException e) {
      throw new StartupException(e instanceof IOException ? "Failed to read --default_container_dns '"
          + value + "': " + Directories.describe(e) : e.getMessage(), e);
    }
  }

  /** A directory whose files the agent runs or reads as root must be root's alone. */
  private static void requireRootOnly(String flag, Path dir) {
    try {
      int owner = (Integer) Files.getAttribute(dir, "unix:uid");
      Set<PosixFilePermission> mode = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
      if (owner != Host.effectiveUid() || mode.contains(PosixFilePermission.GROUP_WRITE)
          || mode.contains(PosixFilePermission.OTHERS_WRITE)) {
        throw new StartupException("Failed to use " + flag + " '" + dir + "': it must be owned by the"
            + " agent's user and writable by no one else (the agent runs CNI plugins as that user)");
      }
    } catch (IOException e) {
      throw new StartupException("Failed to use " + flag + " '" + dir + "': " + Directories.describe(e), e);
    }
  }
}
