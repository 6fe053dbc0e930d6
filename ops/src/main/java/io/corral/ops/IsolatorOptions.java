package io.corral.ops;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.corral.http.MesosJson;
import io.corral.isolators.IsolatorRegistry;
import io.corral.isolators.UnsupportedFields;
import io.corral.isolators.namespaces.IpcNamespaceIsolator;
import io.corral.posix.ByteSizes;
import io.corral.proto.v1.CapabilityInfo;
import io.corral.proto.v1.CapabilityInfo.Capability;
import io.corral.proto.v1.ContainerInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Parses the isolator flags of {@link AgentFlags} as Mesos does: JSON flags hold the JSON text
 * itself or {@code file:///path} to it; {@code --default_container_shm_size} is stout Bytes
 * ({@code 64MB}: a number and one of B, KB, MB, GB, TB, powers of 1024); capability flags are
 * {@code CapabilityInfo} JSON with Mesos' names (no {@code CAP_} prefix), an unknown name is
 * refused. Stateless; main thread at startup.
 */
final class IsolatorOptions {
  private IsolatorOptions() {}

  static IsolatorRegistry.Options parse(boolean disallowPid, String containerInfo,
      String shmSize, boolean disallowIpc, String effective, String bounding) {
    Optional<ContainerInfo> info = Optional.ofNullable(containerInfo).map(json -> {
      ContainerInfo.Builder builder = json("default_container_info", json, ContainerInfo.newBuilder());
      if (!builder.isInitialized()) {
        throw new StartupException("Failed to parse --default_container_info: missing "
            + builder.buildPartial().findInitializationErrors());
      }
      List<String> unsupported = UnsupportedFields.of(builder.build()).stream()
          .map(field -> field.substring("container.".length())).toList();
      if (!unsupported.isEmpty()) {
        throw new StartupException("Failed to parse --default_container_info: "
            + UnsupportedFields.message(unsupported, "the default ContainerInfo"));
      }
      return builder.build();
    });
    long shm = shmSize == null ? IpcNamespaceIsolator.DEFAULT_SHM_SIZE
        : bytes("default_container_shm_size", shmSize);
    return new IsolatorRegistry.Options.Builder().disallowSharingAgentPidNamespace(disallowPid)
        .defaultContainerInfo(info).defaultContainerShmSize(shm).disallowSharingAgentIpcNamespace(disallowIpc)
        .effectiveCapabilities(Optional.ofNullable(effective).map(v -> capabilities("effective_capabilities", v)))
        .boundingCapabilities(Optional.ofNullable(bounding).map(v -> capabilities("bounding_capabilities", v)))
        .build();
  }

  /** Stout Bytes in bytes; must be positive. */
  static long bytes(String flag, String value) {
    try {
      return ByteSizes.parse(value);
    } catch (IllegalArgumentException e) {
      throw new StartupException("Failed to parse --" + flag + ": " + e.getMessage(), e);
    }
  }

  static Set<Capability> capabilities(String flag, String value) {
    CapabilityInfo.Builder info = CapabilityInfo.newBuilder();
    String text = text(flag, value);
    try {
      // Strict, unlike MesosJson: an unknown capability name is an error, not a dropped entry.
      JsonFormat.parser().merge(text, info);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw new StartupException("Failed to parse --" + flag + ": " + e.getMessage(), e);
    }
    Set<Capability> set = EnumSet.noneOf(Capability.class);
    set.addAll(info.getCapabilitiesList());
    if (set.contains(Capability.UNKNOWN)) {
      throw new StartupException("Failed to parse --" + flag + ": unknown capability 'UNKNOWN'");
    }
    return set;
  }

  private static <B extends Message.Builder> B json(String flag, String value, B builder) {
    String text = text(flag, value);
    try {
      return MesosJson.merge(text, builder);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw new StartupException("Failed to parse --" + flag + ": " + e.getMessage(), e);
    }
  }

  private static String text(String flag, String value) {
    if (!value.startsWith("file://")) {
      return value;
    }
    Path file = Path.of(value.substring("file://".length()));
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new StartupException("Failed to read --" + flag + " file '" + file + "': " + e, e);
    }
  }
}
