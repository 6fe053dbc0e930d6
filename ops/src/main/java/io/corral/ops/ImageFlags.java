package io.corral.ops;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.corral.isolators.filesystem.MountConfig;
import io.corral.proto.v1.ImageGcConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The container image flags of {@code corral agent} (and of {@code corral pull} and
 * {@code corral run --image}, see {@link #resolveForCommandLine}), with Mesos' names and meanings: images are
 * enabled by {@code --image_providers=docker}, which needs {@code filesystem/linux} and
 * {@code docker/runtime} in {@code --isolation} and the linux launcher (the agent refuses to start
 * otherwise, as Mesos does). One divergence: the store defaults to {@code <work_dir>/store/docker}
 * (Mesos: {@code /tmp/mesos/store/docker}, where any local user can create it first). Read on the
 * main thread by {@link #resolve} at start.
 */
final class ImageFlags {
  /** Docker Hub's registry, Mesos' default for {@code --docker_registry}. */
  static final String DOCKER_HUB = "https://registry-1.docker.io";
  /** The store {@code corral pull} and {@code corral run --image} share, as root. */
  static final String COMMAND_LINE_STORE = "/var/lib/corral/store/docker";

  @Option(names = "--image_providers", paramLabel = "PROVIDERS",
      description = "Comma-separated image providers; 'docker' (Mesos' DOCKER) is the one Corral has."
          + " Needs filesystem/linux and docker/runtime in --isolation and --launcher=linux."
          + " Default: none (a launch that names an image is refused).")
  String imageProviders;

  @Option(names = "--docker_registry", paramLabel = "URL|DIR", defaultValue = DOCKER_HUB,
      description = "Where Docker images come from: a registry URL (http:// or https://), or a local"
          + " directory of image archives (<repository>[:<tag>].tar, as 'docker save' or skopeo's"
          + " docker-archive writes them). Default: ${DEFAULT-VALUE}.")
  String dockerRegistry;

  @Option(names = "--docker_store_dir", paramLabel = "DIR",
      description = "Where pulled layers and unpacked images are kept (created 0700). Default:"
          + " <work_dir>/store/docker for the agent; " + COMMAND_LINE_STORE + " for 'corral pull' and"
          + " 'corral run --image' as root, ~/.cache/corral/store/docker otherwise.")
  Path dockerStoreDir;

  @Option(names = "--image_provisioner_backend", paramLabel = "overlay|copy",
      description = "How a container's root filesystem is made from an image's layers: 'overlay'"
          + " (shared read-only layers and a writable upper layer per container) or 'copy'."
          + " Default: overlay where the kernel has it and the store is not itself on overlayfs,"
          + " else copy.")
  String imageProvisionerBackend;

  @Option(names = "--docker_config", paramLabel = "JSON|PATH",
      description = "Docker's config.json credentials for registries ({\"auths\":{HOST:{\"auth\":"
          + "base64(user:password)}}}): the JSON itself, or /path or file:///path to it. /flags"
          + " shows a path but never the JSON. Default: none (anonymous pulls).")
  String dockerConfig;

  @Option(names = "--sandbox_directory", paramLabel = "PATH", defaultValue = "/mnt/mesos/sandbox",
      description = "Where an image container sees its sandbox (MESOS_SANDBOX). Default: ${DEFAULT-VALUE}.")
  String sandboxDirectory;

  @Option(names = "--host_path_volume_force_creation", paramLabel = "DIR[:DIR...]",
      description = "Colon-separated absolute directories under which a missing HOST_PATH volume"
          + " source is created (volume/host_path); elsewhere a missing source fails the launch."
          + " Default: none.")
  String hostPathVolumeForceCreation;

  @Option(names = "--docker_registry_attempts", paramLabel = "N", defaultValue = "4",
      description = "How many times each registry request is tried: connection failures, timeouts, 429"
          + " and 5xx are retried after a backoff of 0.5s doubling up to 8s. Default: ${DEFAULT-VALUE}.")
  int dockerRegistryAttempts;

  @Option(names = "--docker_registry_timeout", paramLabel = "DURATION", defaultValue = "1mins",
      converter = AgentFlags.DurationConverter.class,
      description = "How long a registry may take to start a response, or pause in the middle of a"
          + " blob, before the request counts as failed (and is retried). Default: ${DEFAULT-VALUE}.")
  java.time.Duration dockerRegistryTimeout;

  @Option(names = "--image_gc_config", paramLabel = "JSON|PATH",
      description = "Automatic image garbage collection, Mesos' ImageGcConfig ({\"image_disk_headroom\":"
          + " 0.1, \"image_disk_watch_interval\": {\"nanoseconds\": N}, \"excluded_images\": [...]}):"
          + " the JSON, or /path or file:///path to it. Default: none (PRUNE_IMAGES only).")
  String imageGcConfig;

  @Mixin DockerVolumeFlags dockerVolume = new DockerVolumeFlags();

  /** The flags as the agent uses them; {@code enabled} false when no provider is given. */
  record Images(boolean enabled, String registry, Path store, Optional<String> backend,
      Optional<String> dockerConfigJson, MountConfig mounts, Optional<ImageGcConfig> gc, int registryAttempts,
      java.time.Duration registryTimeout) {}

  /**
   * Checks the flags against each other and against {@code isolation} and the launcher, and
   * reads {@code --docker_config}.
   *
   * @throws StartupException naming the flag and what to set
   */
  Images resolve(Path workDir, List<String> isolation, LauncherFlag.Kind launcher) {
    return resolveWithStore(workDir.resolve("store").resolve("docker"), isolation, launcher);
  }

  /**
   * The flags of {@code corral pull} and {@code corral run --image}: {@code --image_providers=docker}
   * implied, the store {@link #COMMAND_LINE_STORE} as root (else under the user's home) unless
   * {@code --docker_store_dir} names one, so that a pull serves later runs.
   */
  Images resolveForCommandLine(boolean root, List<String> isolation, LauncherFlag.Kind launcher) {
    if (imageGcConfig != null) {
      throw new StartupException("Flag '--image_gc_config' is for 'corral agent'; 'corral run' and 'corral pull'"
          + " collect nothing");
    }
    if (imageProviders == null || imageProviders.isBlank()) {
      imageProviders = "docker";
    }
    Path store = root ? Path.of(COMMAND_LINE_STORE)
        : Path.of(System.getProperty("user.home"), ".cache", "corral", "store", "docker");
    return resolveWithStore(store, isolation, launcher);
  }

  private Images resolveWithStore(Path defaultStore, List<String> isolation, LauncherFlag.Kind launcher) {
    Set<String> providers = providers();
    if (!providers.isEmpty()) {
      List<String> missing = new ArrayList<>();
      for (String needed : List.of("filesystem/linux", "docker/runtime")) {
        if (!isolation.contains(needed)) {
          missing.add(needed);
        }
      }
      if (!missing.isEmpty()) {
        throw new StartupException("Flag '--image_providers=docker' needs '" + String.join("' and '", missing)
            + "' in --isolation");
      }
      if (launcher != LauncherFlag.Kind.LINUX) {
        throw new StartupException("Flag '--image_providers=docker' needs --launcher=linux");
      }
    }
    if (!sandboxDirectory.startsWith("/") || Path.of(sandboxDirectory).normalize().toString().equals("/")) {
      throw new StartupException("Flag '--sandbox_directory' must be an absolute path other than '/', not '"
          + sandboxDirectory + "'");
    }
    if (dockerRegistryAttempts < 1 || dockerRegistryTimeout.isZero() || dockerRegistryTimeout.isNegative()) {
      throw new StartupException("Flags '--docker_registry_attempts' and '--docker_registry_timeout' must be positive");
    }
    Optional<String> backend = Optional.ofNullable(imageProvisionerBackend).map(b -> b.toLowerCase(Locale.ROOT));
    if (backend.isPresent() && !List.of("overlay", "copy").contains(backend.get())) {
      throw new StartupException("Unsupported image provisioner backend '" + imageProvisionerBackend
          + "': Corral has 'overlay' and 'copy'");
    }
    Path store = dockerStoreDir != null ? dockerStoreDir : defaultStore;
    return new Images(!providers.isEmpty(), dockerRegistry, store.toAbsolutePath().normalize(), backend,
        dockerConfigJson(), new MountConfig(Path.of(sandboxDirectory).normalize().toString(), forceCreation(),
            dockerVolume.resolve()),
        gcConfig(), dockerRegistryAttempts, dockerRegistryTimeout);
  }

  private Optional<ImageGcConfig> gcConfig() {
    Optional<String> json = jsonOrFile("--image_gc_config", imageGcConfig);
    if (json.isEmpty()) {
      return Optional.empty();
    }
    try {
      ImageGcConfig.Builder config = ImageGcConfig.newBuilder();
      JsonFormat.parser().merge(json.get(), config);
      double headroom = config.getImageDiskHeadroom();
      if (!config.hasImageDiskHeadroom() || !config.hasImageDiskWatchInterval() || headroom < 0 || headroom > 1
          || config.getImageDiskWatchInterval().getNanoseconds() <= 0) {
        throw new StartupException("Flag '--image_gc_config' needs image_disk_headroom between 0.0 and 1.0 and a"
            + " positive image_disk_watch_interval");
      }
      return Optional.of(config.build());
    } catch (InvalidProtocolBufferException e) {
      throw new StartupException("Failed to parse --image_gc_config: " + e.getMessage(), e);
    }
  }

  private List<Path> forceCreation() {
    List<Path> dirs = new ArrayList<>();
    if (hostPathVolumeForceCreation == null || hostPathVolumeForceCreation.isBlank()) {
      return dirs;
    }
    for (String dir : hostPathVolumeForceCreation.split(":")) {
      if (!dir.startsWith("/")) {
        throw new StartupException("Flag '--host_path_volume_force_creation' takes absolute directories, not '"
            + dir + "'");
      }
      dirs.add(Path.of(dir).normalize());
    }
    return dirs;
  }

  private Set<String> providers() {
    Set<String> providers = new LinkedHashSet<>();
    if (imageProviders == null || imageProviders.isBlank()) {
      return providers;
    }
    for (String token : imageProviders.split(",")) {
      String provider = token.trim().toUpperCase(Locale.ROOT);
      if (provider.equals("APPC")) {
        throw new StartupException("Image provider 'APPC' is not supported by Corral: use 'docker'");
      } else if (!provider.equals("DOCKER")) {
        throw new StartupException("Unknown image provider '" + token.trim() + "' in --image_providers");
      }
      providers.add(provider);
    }
    return providers;
  }

  private Optional<String> dockerConfigJson() {
    return jsonOrFile("--docker_config", dockerConfig);
  }

  /** A flag's JSON, given inline or as /path or file:///path. */
  private static Optional<String> jsonOrFile(String flag, String given) {
    if (given == null || given.isBlank()) {
      return Optional.empty();
    }
    String value = given.trim();
    if (value.startsWith("{")) {
      return Optional.of(value);
    }
    Path file = Path.of(value.startsWith("file://") ? value.substring("file://".length()) : value);
    try {
      return Optional.of(Files.readString(file));
    } catch (IOException e) {
      throw new StartupException("Failed to read " + flag + " '" + file + "': " + Directories.describe(e), e);
    }
  }

  /** What {@code /flags} shows for {@code --docker_config}: a path as given, inline JSON never. */
  static String redacted(String dockerConfig) {
    return dockerConfig != null && dockerConfig.trim().startsWith("{") ? "(inline JSON, not shown)" : dockerConfig;
  }
}
