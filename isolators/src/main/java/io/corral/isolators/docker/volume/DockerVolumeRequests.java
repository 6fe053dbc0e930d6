package io.corral.isolators.docker.volume;

import io.corral.proto.v1.ContainerInfo;
import io.corral.proto.v1.Volume;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The checks of a request's Docker volumes that need no plugin call, made at LAUNCH (a 400
 * before anything exists) and again at prepare: a driver and a name (Mesos requires both), a
 * driver that names a plugin (a valid name, announced in a plugin directory: a few stats), no
 * driver and name twice (Mesos: "Found duplicate docker volume ..."), a container path that is
 * not empty and has no {@code .} or {@code ..}. A relative container path is allowed, as in Mesos:
 * it lies in the sandbox. Pure apart from the stats; any thread.
 */
final class DockerVolumeRequests {
  private DockerVolumeRequests() {}

  static Optional<String> invalid(ContainerInfo container, PluginDiscovery discovery) {
    Set<List<String>> seen = new HashSet<>();
    for (Volume volume : container.getVolumesList()) {
      if (volume.getSource().getType() != Volume.Source.Type.DOCKER_VOLUME) {
        continue;
      }
      Optional<String> refused = invalid(volume, discovery);
      if (refused.isPresent()) {
        return refused;
      }
      Volume.Source.DockerVolume docker = volume.getSource().getDockerVolume();
      if (!seen.add(List.of(docker.getDriver(), docker.getName()))) {
        return Optional.of("Found duplicate docker volume with driver '" + docker.getDriver()
            + "' and name '" + docker.getName() + "'");
      }
    }
    return Optional.empty();
  }

  private static Optional<String> invalid(Volume volume, PluginDiscovery discovery) {
    String path = volume.getContainerPath();
    Volume.Source.DockerVolume docker = volume.getSource().getDockerVolume();
    if (path.isEmpty() || List.of(path.split("/")).stream().anyMatch(c -> c.equals(".") || c.equals(".."))) {
      return Optional.of("docker volume container path '" + path + "' must be a path without '.' or '..'");
    }
    if (docker.getDriver().isEmpty()) {
      return Optional.of("docker volume with container path '" + path + "' has no driver");
    }
    if (docker.getName().isEmpty()) {
      return Optional.of("docker volume with container path '" + path + "' has no name");
    }
    if (docker.getName().chars().anyMatch(Character::isISOControl)) {
      return Optional.of("docker volume name '" + PluginHttp.printable(docker.getName())
          + "' contains control characters");
    }
    if (!PluginDiscovery.NAME.matcher(docker.getDriver()).matches()) {
      return Optional.of("docker volume driver '" + PluginHttp.printable(docker.getDriver())
          + "' is not a valid plugin name");
    }
    if (discovery.announcement(docker.getDriver()).isEmpty()) {
      return Optional.of("docker volume driver '" + docker.getDriver() + "' is unknown: no plugin of"
          + " that name in the plugin directories");
    }
    return Optional.empty();
  }
}
