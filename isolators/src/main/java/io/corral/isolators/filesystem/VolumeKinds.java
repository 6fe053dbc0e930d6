package io.corral.isolators.filesystem;

import io.corral.proto.v1.Volume;

/**
 * Which volume isolator mounts a volume, as Mesos routes them: {@code source.type = HOST_PATH}
 * and the legacy absolute {@code host_path} to {@code volume/host_path}; {@code SANDBOX_PATH}
 * and the legacy relative {@code host_path} to {@code volume/sandbox_path}; {@code DOCKER_VOLUME}
 * to {@code docker/volume}. Pure; any thread.
 */
public final class VolumeKinds {
  private VolumeKinds() {}

  /** The isolator's name, or null for a kind no isolator of Corral mounts. */
  public static String isolatorFor(Volume volume) {
    if (volume.hasSource()) {
      return switch (volume.getSource().getType()) {
        case HOST_PATH -> "volume/host_path";
        case SANDBOX_PATH -> "volume/sandbox_path";
        case DOCKER_VOLUME -> "docker/volume";
        default -> null;
      };
    }
    if (volume.hasHostPath() && !volume.getHostPath().isEmpty()) {
      return volume.getHostPath().startsWith("/") ? "volume/host_path" : "volume/sandbox_path";
    }
    return null;
  }

  /** Whether {@code isolator} is one that mounts volumes (a {@code volume/*} or {@code docker/volume}). */
  public static boolean mounts(String isolator) {
    return isolator.startsWith("volume/") || isolator.equals("docker/volume");
  }

  /** What a volume is, for a message. */
  static String describe(Volume volume) {
    if (volume.hasSource()) {
      return "source type '" + volume.getSource().getType() + "'";
    }
    return volume.hasImage() ? "an image volume" : "no source and no host_path";
  }
}
