package io.corral.ops;

import io.corral.actors.Containerizer;
import io.corral.actors.ContainerizerSettings;
import io.corral.actors.Layout;
import io.corral.actors.files.SandboxFiles;
import io.corral.http.AgentInfo;
import io.corral.http.LoggingControl;
import io.corral.http.AgentRoutes;
import io.corral.http.AgentServer;
import io.corral.http.HttpSettings;
import io.corral.http.security.HttpSecurity;
import io.corral.images.DockerProvisioner;
import io.corral.images.ImageGc;
import io.corral.images.Provisioner;
import io.corral.images.PullMetrics;
import io.corral.images.registry.RegistrySettings;
import io.corral.isolators.IsolationFlag;
import io.corral.isolators.IsolatorRegistry;
import io.corral.isolators.LauncherIsolation;
import io.corral.isolators.filesystem.MountConfig;
import io.corral.posix.Linux;
import io.corral.posix.launch.PosixLauncher;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.ServerBinding;

/**
 * The composition root: the one place that names the concrete pieces of the other modules (the
 * native kernel facade, the launch helper, the isolator registry, the HTTP routes) and puts them
 * together from the flags. Called once, from the main thread, before the actor system starts.
 */
final class Wiring {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Wiring.class);

  private Wiring() {}

  /** The isolation used when {@code --isolation} is not given, for this host. */
  static String hostDefaultIsolation(boolean root) {
    return IsolationFlag.hostDefault(root);
  }

  /**
   * The isolator names of an {@code --isolation} value, in Mesos' fixed order.
   *
   * @throws StartupException with the parser's message when the value is invalid
   */
  static List<String> isolation(String flag) {
    try {
      return IsolationFlag.parse(flag);
    } catch (IllegalArgumentException e) {
      throw new StartupException(e.getMessage(), e);
    }
  }

  /**
   * Builds the containerizer for resolved flags: the real kernel, {@code corral-init} run from a
   * sealed in-memory copy (or, where the kernel has none, from {@code --launcher_dir}), and the
   * isolators {@code names} in their fixed order.
   *
   * @throws StartupException when an isolator or the launch helper cannot be set up
   */
  static ContainerizerSettings containerizer(AgentFlags flags, List<String> names) {
    return containerizer(flags, names, MountConfig.defaults());
  }

  private static ContainerizerSettings containerizer(AgentFlags flags, List<String> names, MountConfig mounts) {
    try {
      return ContainerizerSettings.forHost(Linux.nativeDefault(), flags.workDir(),
          flags.runtimeDir(), names, flags.isolatorOptions().withMounts(mounts), flags.launcherDir(),
          flags.containerLaunchTimeout()).withIsolatorPhaseTimeout(flags.isolatorPhaseTimeout());
    } catch (IllegalArgumentException e) {
      throw new StartupException(e.getMessage(), e);
    } catch (UncheckedIOException e) {
      throw new StartupException(e.getMessage() + ": " + Directories.describe(e.getCause()), e);
    }
  }

  /**
   * Builds the containerizer for resolved flags with the chosen launcher: for {@code linux} as
   * above; for {@code posix} the isolators it can run (others are refused by name) and
   * {@link PosixLauncher}, without {@code corral-init} or cgroups.
   *
   * @throws StartupException when an isolator or the launcher cannot be set up
   */
  static ContainerizerSettings containerizer(AgentFlags flags, List<String> names, LauncherFlag.Kind kind) {
    return containerizer(flags, names, kind, MountConfig.defaults());
  }

  /** As above, with the mount flags of {@code filesystem/linux} and the volume isolators. */
  static ContainerizerSettings containerizer(AgentFlags flags, List<String> names, LauncherFlag.Kind kind,
      MountConfig mounts) {
    if (kind == LauncherFlag.Kind.LINUX) {
      return containerizer(flags, names, mounts);
    }
    try {
      boolean procFs = LauncherFlag.hasProcFs();
      LauncherIsolation.checkPosix(names);
      Linux linux = Linux.nativeDefault();
      com.sun.security.auth.module.UnixSystem user = new com.sun.security.auth.module.UnixSystem();
      PosixLauncher launcher = procFs
          ? new PosixLauncher(linux.processes(), linux.proc(), user.getUid(), user.getGid())
          : new PosixLauncher(user.getUid(), user.getGid());
      LOG.info("Launcher {}", launcher.describe());
      return new ContainerizerSettings(flags.workDir(), flags.runtimeDir(),
          IsolatorRegistry.create(names, linux, flags.isolatorOptions()), launcher, linux,
          flags.containerLaunchTimeout(), flags.isolatorPhaseTimeout());
    } catch (IllegalArgumentException e) {
      throw new StartupException(e.getMessage(), e);
    }
  }

  /**
   * The provisioner of an agent with images: the store in {@code --docker_store_dir}, root
   * filesystems under {@code <work_dir>/provisioner/containers}, pulls counted in
   * {@code registry}. Inline {@code --docker_config} JSON is kept in the private runtime directory
   * (0600) for the registry client to read.
   *
   * @throws StartupException when the store or the registry flag is unusable
   */
  static Provisioner provisioner(ImageFlags.Images images, AgentFlags flags,
      MeterRegistry registry) {
    DockerProvisioner provisioner = provisioner(images, flags.runtimeDir(),
        flags.workDir().resolve("provisioner").resolve("containers"), new PullMetrics(registry));
    images.gc().ifPresent(gc -> new ImageGc(provisioner, images.store(), gc).start());
    return provisioner;
  }

  /**
   * A provisioner with the store of {@code images}, root filesystems under {@code containers},
   * every pull told to {@code listener}; {@code corral pull} and {@code corral run --image} use it
   * with a listener that shows progress.
   *
   * @throws StartupException when the store or the registry flag is unusable
   */
  static DockerProvisioner provisioner(ImageFlags.Images images, Path runtimeDir, Path containers,
      io.corral.images.store.PullListener listener) {
    try {
      RegistrySettings settings = RegistrySettings.defaults().withLimits(images.registryAttempts(),
          images.registryTimeout());
      if (images.dockerConfigJson().isPresent()) {
        Path config = runtimeDir.resolve("docker-config.json");
        Files.deleteIfExists(config); // created 0600 below, never readable by others for a moment
        Files.writeString(Files.createFile(config, PosixFilePermissions.asFileAttribute(
            PosixFilePermissions.fromString("rw-------"))), images.dockerConfigJson().get());
        settings = settings.withDockerConfig(config);
      }
      AtomicInteger threads = new AtomicInteger();
      ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
        Thread thread = new Thread(r, "corral-images-" + threads.incrementAndGet());
        thread.setDaemon(true);
        return thread;
      });
      return DockerProvisioner.create(images.store(), containers, images.registry(), settings,
          images.backend(), executor, listener);
    } catch (IOException e) {
      throw new StartupException("Failed to set up the image store '" + images.store() + "': "
          + Directories.describe(e), e);
    } catch (IllegalArgumentException e) {
      throw new StartupException(e.getMessage(), e);
    }
  }

  /**
   * The registry the agent's containerizer records into and {@code /metrics} scrapes: one per
   * agent, passed to {@link ContainerizerSettings#withMeterRegistry} and to {@link #bind}.
   */
  static PrometheusMeterRegistry meterRegistry() {
    return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  }

  /** The flags the files API reads: the directories and the agent's log file. */
  record Agent(AgentFlags flags, LoggingFlags logging) {}

  /** Removes {@code --cgroups_root} from every hierarchy; one line per root left behind. */
  static List<String> removeCgroupsRoot(AgentFlags flags) {
    return io.corral.isolators.cgroups.Hierarchies.removeRoot(Linux.nativeDefault(), flags.cgroups());
  }

  /** Binds the agent API on {@code ip:port}, answering for {@code system}'s containerizer. */
  static CompletionStage<ServerBinding> bind(
      ActorSystem<Containerizer.Command> system, AgentFlags.Http http, Map<String, String> flags) {
    return bind(system, http, flags, () -> true, meterRegistry(), HttpSecurity.open(),
        java.util.Optional.empty());
  }

  /**
   * As above; until {@code ready} (recovery done) every endpoint but /health and the metrics
   * answers 503. {@code /metrics} and {@code /metrics/snapshot} read {@code registry}; who may
   * call what is {@code security}'s.
   */
  static CompletionStage<ServerBinding> bind(ActorSystem<Containerizer.Command> system,
      AgentFlags.Http http, Map<String, String> flags, java.util.function.BooleanSupplier ready,
      PrometheusMeterRegistry registry, HttpSecurity security,
      java.util.Optional<io.corral.http.security.Tls> tls) {
    return bind(system, http, flags, ready, registry, security, tls, null, LoggingControl.fixed());
  }

  /**
   * As above; the files API serves the sandboxes of {@code agent}'s work directory and its
   * {@code --external_log_file} (none when {@code agent} is null), and the logging calls use
   * {@code logging}.
   */
  static CompletionStage<ServerBinding> bind(ActorSystem<Containerizer.Command> system,
      AgentFlags.Http http, Map<String, String> flags, java.util.function.BooleanSupplier ready,
      PrometheusMeterRegistry registry, HttpSecurity security,
      java.util.Optional<io.corral.http.security.Tls> tls, Agent agent, LoggingControl logging) {
    AgentInfo info = new AgentInfo(
        AgentInfo.MESOS_VERSION,
        Version.get(),
        Version.buildDate(),
        Version.buildTime(),
        Version.buildUser(),
        ProcessHandle.current().info().startInstant().orElse(Instant.now()),
        "slave(1)@" + http.ip() + ":" + http.port(),
        Host.hostname(),
        UUID.randomUUID() + "-S0",
        flags.entrySet().stream().map(f -> new AgentInfo.Flag(f.getKey(), f.getValue())).toList());
    HttpSettings settings = HttpSettings.fromConfig(system.settings().config());
    SandboxFiles files = agent == null ? SandboxFiles.none() : new SandboxFiles(new Layout(agent.flags().workDir(), agent.flags().runtimeDir()),
            java.util.Optional.ofNullable(agent.logging().externalLogFile));
    AgentRoutes routes = AgentRoutes.builder(system, system, info, settings).ready(ready).registry(registry)
        .security(security).files(files).logging(logging).build();
    return AgentServer.bind(system, http.ip(), http.port(), routes, settings, tls);
  }
}
