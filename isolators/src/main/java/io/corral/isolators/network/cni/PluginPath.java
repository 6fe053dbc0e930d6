package io.corral.isolators.network.cni;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * {@code --network_cni_plugins_dir}: the directories a plugin's {@code type} is looked up in, in
 * order; only these (never the agent's {@code PATH}), as Mesos does. Immutable; any thread.
 */
record PluginPath(List<Path> dirs) {

  /** The executable for a plugin type: a plain name, found as a regular executable file. */
  Optional<Path> find(String type) {
    if (type.isEmpty() || type.contains("/") || type.equals(".") || type.equals("..")) {
      return Optional.empty();
    }
    return dirs.stream().map(d -> d.resolve(type))
        .filter(p -> Files.isRegularFile(p) && Files.isExecutable(p)).findFirst();
  }

  @Override
  public String toString() {
    return dirs.stream().map(Path::toString).collect(Collectors.joining(":"));
  }
}
