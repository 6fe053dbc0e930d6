package io.corral.actors;

import io.corral.images.Provisioner;
import io.corral.images.fetcher.UriFetcher;
import io.corral.isolators.IsolationFlag;
import io.corral.isolators.Isolator;
import io.corral.isolators.IsolatorRegistry;
import io.corral.isolators.cgroups.FreezerLauncher;
import io.corral.isolators.cgroups.Hierarchies;
import io.corral.posix.Linux;
import io.corral.posix.launch.CorralInit;
import io.corral.posix.launch.Launcher;
import io.corral.posix.launch.LogRotation;
import io.corral.posix.launch.PidNamespaceLauncher;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Everything a containerizer is built from. {@code ops} wires the real kernel; tests pass
 * fakes. {@code isolators} are already created and in their fixed prepare order.
 *
 * @param workDir sandboxes live at {@code <workDir>/containers/<id>}
 * @param runtimeDir runtime state at {@code <runtimeDir>/containers/<id>}
 * @param isolators the enabled isolators, in prepare order (cleanup runs in reverse)
 * @param launcher starts containers through corral-init
 * @param linux the kernel facade
 * @param launchTimeout how long a launch may take from fork to exec before it is destroyed
 * @param isolatorPhaseTimeout how long one isolator call (prepare, isolate, watch, update, usage,
 *     status, cleanup) may run before the container is destroyed ({@code --isolator_phase_timeout})
 * @param metrics what the containerizer records into ({@link ContainerMetrics#NONE} by default)
 * @param provisioner makes the root filesystems of image containers; null when images are not
 *     enabled (a launch with an image is then refused). Set with {@link #withProvisioner}, which
 *     also puts its cleanup first in {@code isolators}.
 * @param fetcher fetches {@code CommandInfo.uris} into the sandbox (FETCHING); null for one with
 *     Mesos' defaults, shared by the JVM. Set with {@link #withFetcher}.
 * @param logRotation bounds the sandbox's stdout and stderr (see {@link LogRotation}); null for
 *     Mesos' default sandbox logger, which lets them grow. Set with {@link #withLogRotation}.
 */
public record ContainerizerSettings(
    Path workDir,
    Path runtimeDir,
    List<Isolator> isolators,
    Launcher launcher,
    Linux linux,
    Duration launchTimeout,
    Duration isolatorPhaseTimeout,
    ContainerMetrics metrics,
    Provisioner provisioner,
    UriFetcher fetcher,
    LogRotation logRotation) {

  public ContainerizerSettings {
    if (fetcher == null) {
      fetcher = UriFetcher.shared();
    }
    isolators = List.copyOf(isolators);
    if (metrics == null) {
      metrics = ContainerMetrics.NONE;
    }
    if (isolatorPhaseTimeout == null || isolatorPhaseTimeout.isNegative() || isolatorPhaseTimeout.isZero()) {
      throw new IllegalArgumentException("The isolator phase timeout must be positive, not " + isolatorPhaseTimeout);
    }
  }

  /** Settings without images. */
  public ContainerizerSettings(Path workDir, Path runtimeDir, List<Isolator> isolators,
      Launcher launcher, Linux linux, Duration launchTimeout, Duration isolatorPhaseTimeout,
      ContainerMetrics metrics) {
    this(workDir, runtimeDir, isolators, launcher, linux, launchTimeout, isolatorPhaseTimeout, metrics, null, null, null);
  }

  /** Settings that record no metrics. */
  public ContainerizerSettings(Path workDir, Path runtimeDir, List<Isolator> isolators,
      Launcher launcher, Linux linux, Duration launchTimeout, Duration isolatorPhaseTimeout) {
    this(workDir, runtimeDir, isolators, launcher, linux, launchTimeout, isolatorPhaseTimeout,
        ContainerMetrics.NONE);
  }

  /** Settings with the default isolator phase timeout. */
  public ContainerizerSettings(Path workDir, Path runtimeDir, List<Isolator> isolators,
      Launcher launcher, Linux linux, Duration launchTimeout) {
    this(workDir, runtimeDir, isolators, launcher, linux, launchTimeout, DEFAULT_ISOLATOR_PHASE_TIMEOUT);
  }

  /** How long one isolator call may run by default ({@code --isolator_phase_timeout=1mins}). */
  public static final Duration DEFAULT_ISOLATOR_PHASE_TIMEOUT = Duration.ofMinutes(1);

  /** These settings with other isolators (wrapped ones, for fault injection), in prepare order. */
  public ContainerizerSettings withIsolators(List<Isolator> replaced) {
    return new ContainerizerSettings(workDir, runtimeDir, replaced, launcher, linux, launchTimeout,
        isolatorPhaseTimeout, metrics, provisioner, fetcher, logRotation);
  }

  /** These settings with another launcher (a wrapped one, for fault injection). */
  public ContainerizerSettings withLauncher(Launcher replaced) {
    return new ContainerizerSettings(workDir, runtimeDir, isolators, replaced, linux, launchTimeout,
        isolatorPhaseTimeout, metrics, provisioner, fetcher, logRotation);
  }

  /** These settings with another isolator phase timeout. */
  public ContainerizerSettings withIsolatorPhaseTimeout(Duration timeout) {
    return new ContainerizerSettings(workDir, runtimeDir, isolators, launcher, linux, launchTimeout, timeout,
        metrics, provisioner, fetcher, logRotation);
  }

  /** These settings recording into {@code registry} (see {@link ContainerMetrics#of}). */
  public ContainerizerSettings withMeterRegistry(MeterRegistry registry) {
    return new ContainerizerSettings(workDir, runtimeDir, isolators, launcher, linux, launchTimeout,
        isolatorPhaseTimeout, ContainerMetrics.of(registry), provisioner, fetcher, logRotation);
  }

  /**
   * These settings with images enabled: {@code provisioner} makes the root filesystems, and its
   * removal of them becomes the first of {@code isolators} (named {@value ProvisionerIsolator#NAME}),
   * so that it is cleaned up last, after every isolator, with their retries and timeouts.
   */
  public ContainerizerSettings withProvisioner(Provisioner images) {
    if (provisioner != null) {
      throw new IllegalStateException("A provisioner is already set");
    }
    List<Isolator> withCleanup = new java.util.ArrayList<>();
    withCleanup.add(new ProvisionerIsolator(images));
    withCleanup.addAll(isolators);
    return new ContainerizerSettings(workDir, runtimeDir, withCleanup, launcher, linux, launchTimeout,
        isolatorPhaseTimeout, metrics, images, fetcher, logRotation);
  }

  /** These settings with {@code replaced} fetching the URIs of commands ({@code --fetcher_*} flags). */
  public ContainerizerSettings withFetcher(UriFetcher replaced) {
    return new ContainerizerSettings(workDir, runtimeDir, isolators, launcher, linux, launchTimeout,
        isolatorPhaseTimeout, metrics, provisioner, replaced, logRotation);
  }

  /**
   * These settings with bounded container logs ({@code --container_logger=logrotate}): the
   * sandbox's stdout and stderr are rotated by each container's init (linux launcher only).
   */
  public ContainerizerSettings withLogRotation(LogRotation rotation) {
    return new ContainerizerSettings(workDir, runtimeDir, isolators, launcher, linux, launchTimeout,
        isolatorPhaseTimeout, metrics, provisioner, fetcher, rotation);
  }

  /** Whether launches may name an image. */
  public boolean imagesEnabled() {
    return provisioner != null;
  }

  /** The registry the metrics go to. */
  public MeterRegistry meterRegistry() {
    return metrics.registry();
  }

  /** How long a launch may take by default, from the fork of the helper to the exec. */
  public static final Duration DEFAULT_LAUNCH_TIMEOUT = Duration.ofMinutes(1);

  /**
   * Settings on the real kernel of this host: the isolators named by {@code isolation} (an
   * {@code --isolation} value; null or blank for the host default, see
   * {@link IsolationFlag#hostDefault}) and the corral-init helper installed under
   * {@code <runtimeDir>/bin}. This is what a scheduler embedding Corral calls.
   *
   * @throws IllegalArgumentException for an invalid isolation value, with Mesos' message
   */
  public static ContainerizerSettings forHost(Path workDir, Path runtimeDir, String isolation) {
    Linux linux = Linux.nativeDefault();
    String flag = isolation == null || isolation.isBlank()
        ? IsolationFlag.hostDefault(linux.processes().geteuid() == 0)
        : isolation;
    return forHost(linux, workDir, runtimeDir, IsolationFlag.parse(flag),
        IsolatorRegistry.Options.defaults(), runtimeDir.resolve("bin"), DEFAULT_LAUNCH_TIMEOUT);
  }

  /**
   * Settings on {@code linux} with every knob the agent's flags set: the parsed isolator names
   * with their options, where corral-init is installed ({@code --launcher_dir}) and the launch
   * timeout. As root, the launcher puts every container in a freezer cgroup under
   * {@code --cgroups_root} (see {@link FreezerLauncher}), so the root is locked even without
   * {@code cgroups/*} isolators: each containerizer needs its own.
   *
   * @throws IllegalArgumentException when an isolator or the freezer cannot be set up
   * @throws java.io.UncheckedIOException when corral-init cannot be installed
   */
  public static ContainerizerSettings forHost(Linux linux, Path workDir, Path runtimeDir,
      List<String> isolation, IsolatorRegistry.Options options, Path launcherDir,
      Duration launchTimeout) {
    // disk/xfs checks and scans the sandboxes under the work directory it is given.
    IsolatorRegistry.Options withWorkDir = options.xfs().workDir() != null ? options
        : options.withXfs(options.xfs().withWorkDir(workDir));
    Hierarchies hierarchies = new Hierarchies(linux, options.cgroups());
    List<Isolator> isolators = IsolatorRegistry.create(isolation, linux, withWorkDir, hierarchies);
    Path helper = CorralInit.install(launcherDir);
    Launcher launcher = FreezerLauncher.wrap(
        new PidNamespaceLauncher(helper, linux.processes(), linux.proc()), hierarchies);
    return new ContainerizerSettings(workDir, runtimeDir, isolators, launcher, linux, launchTimeout);
  }
}
