package io.corral.isolators;

import io.corral.proto.v1.CommandInfo;
import io.corral.proto.v1.ContainerInfo;
import io.corral.proto.v1.Volume;
import java.util.ArrayList;
import java.util.List;

/**
 * The request fields no isolator of Corral honours: a launch (or {@code --default_container_info})
 * that sets one is refused naming it, before anything is created, instead of running without
 * what was asked for (a container that asked for an image must not get the host's root
 * filesystem). Field names are the v1 JSON paths below {@code launch_container}. Pure; any thread.
 */
public final class UnsupportedFields {
  /** A volume whose source is a Docker volume: honoured by {@code docker/volume}. */
  public static final String DOCKER_VOLUME = "container.volumes.source.docker_volume";

  private UnsupportedFields() {}

  /** The fields of {@code info} that Corral cannot honour, in the order of the message. */
  public static List<String> of(ContainerInfo info) {
    List<String> fields = new ArrayList<>();
    if (info.hasMesos() && info.getMesos().hasImage()) {
      fields.add("container.mesos.image");
    }
    if (info.hasDocker()) {
      fields.add("container.docker");
    }
    if (info.getNetworkInfosCount() > 0) {
      fields.add("container.network_infos");
    }
    if (info.getVolumesList().stream().anyMatch(v -> v.getSource().getType() == Volume.Source.Type.DOCKER_VOLUME)) {
      fields.add(DOCKER_VOLUME);
    }
    if (info.hasHostname()) {
      fields.add("container.hostname");
    }
    if (info.hasTtyInfo()) {
      fields.add("container.tty_info");
    }
    if (info.hasLinuxInfo() && info.getLinuxInfo().hasSeccomp()) {
      fields.add("container.linux_info.seccomp");
    }
    return fields;
  }

  /** The fields of {@code command} that Corral cannot honour (none: the fetcher honours its URIs). */
  public static List<String> of(CommandInfo command) {
    return List.of();
  }

  /** The refusal for these fields: "Unsupported field(s) 'a', 'b' in ..." */
  public static String message(List<String> fields, String where) {
    return (fields.size() == 1 ? "Unsupported field '" : "Unsupported fields '")
        + String.join("', '", fields) + "' in " + where
        + ": Corral cannot honour " + (fields.size() == 1 ? "it" : "them");
  }
}
