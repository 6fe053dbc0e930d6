package io.corral.isolators;

import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.agent.Call;
import java.nio.file.Path;

/**
 * What an isolator knows about a container: its id, the launch request as the client sent it,
 * its sandbox ({@code <work_dir>/containers/<id>}) and its runtime directory
 * ({@code <runtime_dir>/containers/<id>}), both created before {@code prepare}.
 */
public record ContainerContext(
    ContainerID id, Call.LaunchContainer launch, Path sandbox, Path runtimeDir) {

  /** The id's value, as used in paths, cgroup names and log lines. */
  public String name() {
    return id.getValue();
  }
}
