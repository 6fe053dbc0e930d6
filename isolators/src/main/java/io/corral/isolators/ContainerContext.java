package io.corral.isolators;

import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.ProvisionedRootfs;
import io.corral.proto.v1.agent.Call;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What an isolator knows about a container: its id, the launch request as the client sent it,
 * its sandbox ({@code <work_dir>/containers/<id>}) and its runtime directory
 * ({@code <runtime_dir>/containers/<id>}), both created before {@code prepare}, and, for a
 * container launched from an image, the root filesystem the provisioner made for it (present
 * from {@code prepare} on; {@code filesystem/linux} pivots into it and {@code docker/runtime}
 * reads its image config).
 */
public record ContainerContext(
    ContainerID id, Call.LaunchContainer launch, Path sandbox, Path runtimeDir,
    Optional<ProvisionedRootfs> rootfs) {

  /** A container on the host's root filesystem. */
  public ContainerContext(ContainerID id, Call.LaunchContainer launch, Path sandbox, Path runtimeDir) {
    this(id, launch, sandbox, runtimeDir, Optional.empty());
  }

  /** The id's value, as used in paths, cgroup names and log lines. */
  public String name() {
    return id.getValue();
  }

  /** The same container with its provisioned root filesystem. */
  public ContainerContext withRootfs(ProvisionedRootfs provisioned) {
    return new ContainerContext(id, launch, sandbox, runtimeDir, Optional.of(provisioned));
  }
}
