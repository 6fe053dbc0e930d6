package io.corral.ops;

import io.corral.isolators.IsolationFlag;
import io.corral.isolators.cgroups.CgroupsConfig;
import io.corral.isolators.disk.DuConfig;
import io.corral.isolators.disk.ProjectRange;
import io.corral.isolators.disk.XfsConfig;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;

/**
 * The containerizer flags of {@code corral agent} and {@code corral run}, with Mesos' names,
 * defaults and {@code --name=value} form, in one place (a picocli mixin); {@link Http} holds the
 * two that only the agent has. Defaults that depend on the host ({@code --runtime_dir},
 * {@code --isolation}) or on another flag ({@code --launcher_dir}) are filled in by
 * {@link #resolve}; after that, {@link #render} gives every flag as stout prints it for
 * {@code GET_FLAGS} and {@code /state}.
 *
 * <p>Filled by picocli on the main thread, then read-only.
 */
public final class AgentFlags {
  private static final Logger LOG = LoggerFactory.getLogger(AgentFlags.class);

  /** The isolators {@code --isolation} defaults to as root (see {@link IsolationFlag#hostDefault}). */
  public static final String ROOT_ISOLATION = IsolationFlag.ROOT_DEFAULT;
  /** Mesos' default {@code --isolation}, used when not root. */
  public static final String MESOS_ISOLATION = IsolationFlag.MESOS_DEFAULT;
  /** {@code --runtime_dir} as root; otherwise see {@link #userRuntimeDir}. */
  public static final String ROOT_RUNTIME_DIR = "/var/run/corral";

  /** Mesos' {@code --logging_level} values. */
  public enum LoggingLevel { INFO, WARNING, ERROR }

  @Option(names = "--work_dir", paramLabel = "DIR",
      description = "Directory for the sandboxes and checkpoints of containers."
          + " Default: none; required by 'corral agent', while 'corral run' uses a fresh"
          + " temporary directory that it deletes at exit.")
  Path workDir;

  @Option(names = "--runtime_dir", paramLabel = "DIR",
      description = "Directory for the runtime state of containers, expected to be cleared on reboot."
          + " Only this user may enter it (0700, owned by this user, checked at start)."
          + " Default: " + ROOT_RUNTIME_DIR + " as root, else $XDG_RUNTIME_DIR/corral or"
          + " ${sys:java.io.tmpdir}/corral-<uid>/runtime.")
  Path runtimeDir;

  @Option(names = "--isolation", paramLabel = "ISOLATORS",
      description = "Comma-separated isolators (Mesos names). Default: " + ROOT_ISOLATION
          + " as root, else " + MESOS_ISOLATION + " (the Mesos default).")
  String isolation;

  @Option(names = "--launcher_dir", paramLabel = "DIR",
      description = "Directory for a private copy of the launch helper corral-init, written only where"
          + " the kernel refuses a sealed in-memory copy. Default: <runtime_dir>/bin.")
  Path launcherDir;

  @Option(names = "--container_launch_timeout", paramLabel = "DURATION", defaultValue = "1mins",
      converter = DurationConverter.class,
      description = "How long a launch may take from fork to exec before the container is destroyed."
          + " Default: ${DEFAULT-VALUE}.")
  Duration containerLaunchTimeout;

  @Option(names = "--isolator_phase_timeout", paramLabel = "DURATION", defaultValue = "1mins",
      converter = PositiveDurationConverter.class,
      description = "How long one isolator call (prepare, isolate, watch, update, usage, cleanup) may"
          + " run before its container is destroyed. Default: ${DEFAULT-VALUE}.")
  Duration isolatorPhaseTimeout;

  @Option(names = "--logging_level", paramLabel = "LEVEL", defaultValue = "INFO",
      description = "Least severe level logged: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.")
  LoggingLevel loggingLevel;

  @Option(names = "--cgroups_hierarchy", paramLabel = "DIR", defaultValue = "/sys/fs/cgroup",
      description = "Where the cgroup hierarchies are: one v1 mount per subsystem (mounted when"
          + " missing), or a cgroup v2 mount. Default: ${DEFAULT-VALUE}.")
  Path cgroupsHierarchy;

  @Option(names = "--cgroups_root", paramLabel = "NAME", defaultValue = CgroupsConfig.DEFAULT_ROOT,
      description = "The agent's cgroup under each hierarchy (cgroups/* isolators and, as root, the"
          + " launcher's freezer); an agent locks it, so two live agents cannot share one."
          + " Default: ${DEFAULT-VALUE} (corral run: corral-run-<pid>, removed at exit).")
  String cgroupsRoot;

  @Option(names = "--cgroups_enable_cfs", paramLabel = "BOOL", arity = "0..1",
      defaultValue = "false", fallbackValue = "true",
      description = "Cap each container's cpu time at its cpus request (CFS quota). Default: ${DEFAULT-VALUE}.")
  boolean cgroupsEnableCfs;

  @Option(names = "--cgroups_max_pids", paramLabel = "N",
      description = "pids.max for containers that ask for no 'pids' resource (cgroups/pids)."
          + " Default: none (no limit).")
  Long cgroupsMaxPids;

  @Option(names = "--cgroups_net_cls_primary_handle", paramLabel = "0xAAAA",
      description = "16-bit primary net_cls handle; with it cgroups/net_cls allocates a secondary"
          + " handle per container. Default: none (handles are not managed).")
  String cgroupsNetClsPrimaryHandle;

  @Option(names = "--cgroups_net_cls_secondary_handles", paramLabel = "0xLLLL,0xUUUU",
      description = "Inclusive range of secondary net_cls handles. Default: 0x1,0xffff.")
  String cgroupsNetClsSecondaryHandles;

  @Option(names = "--cgroups_destroy_timeout", paramLabel = "DURATION", defaultValue = "1mins",
      converter = DurationConverter.class,
      description = "How long removing a busy container cgroup is retried. Default: ${DEFAULT-VALUE}.")
  Duration cgroupsDestroyTimeout;

  @Option(names = "--cgroups_pressure_hierarchy", paramLabel = "auto|none|DIR", defaultValue = "auto",
      description = "On a cgroup v1 host, the cgroup2 mount where containers also get a cgroup for"
          + " their pressure stall information (auto: the first cgroup2 mount). Default: ${DEFAULT-VALUE}.")
  String cgroupsPressureHierarchy;

  @Option(names = "--default_container_info", paramLabel = "JSON",
      description = "JSON ContainerInfo (or file:///path to one) used for launches that carry none;"
          + " filesystem/shared mounts its volumes. Default: none.")
  String defaultContainerInfo;

  @Option(names = "--default_container_shm_size", paramLabel = "BYTES",
      description = "Size of a container's private /dev/shm (namespaces/ipc) when its LinuxInfo"
          + " sets no shm_size, e.g. 128MB. Default: none (64MB).")
  String defaultContainerShmSize;

  @Option(names = "--disallow_sharing_agent_ipc_namespace", paramLabel = "BOOL", arity = "0..1",
      fallbackValue = "true", defaultValue = "false",
      description = "Refuse containers whose ipc_mode is SHARE_PARENT. Default: ${DEFAULT-VALUE}.")
  boolean disallowSharingAgentIpcNamespace;

  @Option(names = "--disallow_sharing_agent_pid_namespace", paramLabel = "BOOL", arity = "0..1",
      fallbackValue = "true", defaultValue = "false",
      description = "Refuse containers that set share_pid_namespace. Default: ${DEFAULT-VALUE}.")
  boolean disallowSharingAgentPidNamespace;

  @Option(names = {"--allowed_capabilities", "--effective_capabilities"}, paramLabel = "JSON",
      description = "JSON {\"capabilities\":[\"CHOWN\",...]}: the effective capabilities of"
          + " containers that request none, and the most any may request (linux/capabilities)."
          + " Default: none (all allowed).")
  String effectiveCapabilities;

  @Option(names = "--bounding_capabilities", paramLabel = "JSON",
      description = "JSON {\"capabilities\":[...]}: the bounding set of containers that request"
          + " none, and the most any may request (linux/capabilities). Default: none (all allowed).")
  String boundingCapabilities;

  @Option(names = "--container_disk_watch_interval", paramLabel = "DURATION", defaultValue = "15secs",
      converter = DurationConverter.class,
      description = "How often disk/du measures each sandbox with du; a container close to its"
          + " quota is measured sooner. Default: ${DEFAULT-VALUE}.")
  Duration containerDiskWatchInterval;

  @Option(names = "--enforce_container_disk_quota", paramLabel = "BOOL", arity = "0..1",
      fallbackValue = "true", defaultValue = "false",
      description = "disk/du: destroy a container whose sandbox uses more than its disk resource"
          + " (TASK_FAILED, REASON_CONTAINER_LIMITATION_DISK). Default: ${DEFAULT-VALUE}.")
  boolean enforceContainerDiskQuota;

  @Option(names = "--container_disk_watch_parallelism", paramLabel = "N",
      description = "disk/du: how many du may run at once, at nice 19 and idle I/O priority."
          + " Default: half the host's processors, at least 1.")
  Integer containerDiskWatchParallelism;

  @Option(names = "--container_disk_watch_timeout", paramLabel = "DURATION", defaultValue = "5mins",
      converter = DurationConverter.class,
      description = "disk/du: a du still running after this is killed and reported; the last good"
          + " sample stays. Default: ${DEFAULT-VALUE}.")
  Duration containerDiskWatchTimeout;

  @Option(names = "--xfs_project_range", paramLabel = "RANGES", defaultValue = ProjectRange.DEFAULT,
      description = "XFS project ids disk/xfs gives to sandboxes, Mesos ranges such as"
          + " [5000-10000]. Default: ${DEFAULT-VALUE}.")
  String xfsProjectRange;

  @Option(names = "--xfs_kill_containers", paramLabel = "BOOL", arity = "0..1",
      fallbackValue = "true", defaultValue = "false",
      description = "disk/xfs destroys a container whose sandbox exceeds its disk quota (checked"
          + " periodically; the kernel allows 10MB more) instead of only failing its writes with"
          + " EDQUOT. Default: ${DEFAULT-VALUE}.")
  boolean xfsKillContainers;

  private String isolationReason = "given by --isolation";

  /** The flags of {@code corral agent} that {@code corral run} has no use for. */
  public static final class Http {
    @Option(names = "--ip", paramLabel = "IP", defaultValue = "127.0.0.1",
        description = "IP address to listen on. Default: ${DEFAULT-VALUE}.")
    String ip;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "5051",
        description = "Port to listen on. Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--recover", paramLabel = "MODE", defaultValue = "reconnect",
        description = "What a (re)started agent does with the containers an earlier run left under"
            + " --work_dir and --runtime_dir: 'reconnect' re-adopts the running ones and reports"
            + " those that ended; 'cleanup' destroys them all. Either way the agent leaves its"
            + " containers running when it stops. Default: ${DEFAULT-VALUE}.")
    String recover;

    public String ip() {
      return ip;
    }

    /**
     * The parsed {@code --recover}.
     *
     * @throws StartupException for any value but reconnect or cleanup
     */
    public io.corral.actors.Containerizer.RecoverMode recover() {
      try {
        return io.corral.actors.Containerizer.RecoverMode.parse(recover);
      } catch (IllegalArgumentException e) {
        throw new StartupException(e.getMessage(), e);
      }
    }

    public int port() {
      return port;
    }
  }

  /** Parses Mesos durations for picocli. */
  static final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      return Durations.parse(value);
    }
  }

  /** Parses Mesos durations that must be above zero for picocli. */
  static final class PositiveDurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      Duration duration = Durations.parse(value);
      if (duration.isZero()) {
        throw new IllegalArgumentException("Failed to parse duration '" + value + "': must be above zero");
      }
      return duration;
    }
  }

  /** {@link #resolve(boolean, String, String)} for the linux launcher. */
  public AgentFlags resolve(boolean root, String hostDefaultIsolation) {
    return resolve(root, hostDefaultIsolation, root
        ? "no --isolation given; running as root, so the Linux isolators available on this host"
        : "no --isolation given; not running as root, so the Mesos default");
  }

  /**
   * Fills the defaults that depend on the host and on other flags, and logs the isolation chosen
   * and why: {@code hostDefaultIsolation} when none is given, for {@code defaultReason}.
   */
  public AgentFlags resolve(boolean root, String hostDefaultIsolation, String defaultReason) {
    if (runtimeDir == null) {
      runtimeDir = root
          ? Path.of(ROOT_RUNTIME_DIR)
          : userRuntimeDir(System.getenv("XDG_RUNTIME_DIR"), System.getProperty("java.io.tmpdir"), Host.effectiveUid());
    }
    if (launcherDir == null) {
      launcherDir = runtimeDir.resolve("bin");
    }
    if (containerDiskWatchParallelism == null) {
      containerDiskWatchParallelism = DuConfig.hostParallelism();
    }
    if (isolation == null) {
      isolation = hostDefaultIsolation;
      isolationReason = defaultReason;
    }
    LOG.info("Using isolation '{}' ({})", isolation, isolationReason);
    return this;
  }

  /**
   * The default {@code --runtime_dir} of a user other than root, private to that user (checked
   * at start, see {@code Directories.ensurePrivate}): {@code $XDG_RUNTIME_DIR/corral} where the
   * session has one, else {@code <tmpdir>/corral-<uid>/runtime}.
   */
  static Path userRuntimeDir(String xdgRuntimeDir, String tmpdir, int uid) {
    return xdgRuntimeDir != null && xdgRuntimeDir.startsWith("/")
        ? Path.of(xdgRuntimeDir, "corral")
        : Path.of(tmpdir, "corral-" + uid, "runtime");
  }

  public Path workDir() {
    return workDir;
  }

  /** Sets the work directory {@code corral run} made up when none was given. */
  void workDir(Path dir) {
    this.workDir = dir;
  }

  private io.corral.isolators.network.cni.CniConfig cni =
      io.corral.isolators.network.cni.CniConfig.disabled();
  private java.util.Optional<io.corral.posix.ProcessTable> processTable = java.util.Optional.empty();

  public Path runtimeDir() {
    return runtimeDir;
  }

  public String isolation() {
    return isolation;
  }

  /** Why {@link #isolation()} is what it is (given, or which default and why). */
  public String isolationReason() {
    return isolationReason;
  }

  public Path launcherDir() {
    return launcherDir;
  }

  public Duration containerLaunchTimeout() {
    return containerLaunchTimeout;
  }

  public Duration isolatorPhaseTimeout() {
    return isolatorPhaseTimeout;
  }

  public LoggingLevel loggingLevel() {
    return loggingLevel;
  }

  /**
   * The {@code --cgroups_*} flags for the cgroups isolators.
   *
   * @throws IllegalArgumentException for a malformed handle or range, or an invalid root
   */
  public CgroupsConfig cgroups() {
    Integer primary = cgroupsNetClsPrimaryHandle == null ? null
        : CgroupsConfig.parseHandle("cgroups_net_cls_primary_handle", cgroupsNetClsPrimaryHandle);
    int[] range = cgroupsNetClsSecondaryHandles == null ? new int[] {1, 0xffff}
        : CgroupsConfig.parseRange(cgroupsNetClsSecondaryHandles);
    return new CgroupsConfig(cgroupsHierarchy, cgroupsRoot, cgroupsEnableCfs,
        cgroupsMaxPids == null ? 0 : cgroupsMaxPids, primary, range[0], range[1],
        cgroupsDestroyTimeout, cgroupsPressureHierarchy);
  }

  /**
   * The {@code disk/du} flags; {@code du} is looked up on the agent's {@code PATH}.
   *
   * @throws IllegalArgumentException naming the flag whose value is invalid
   */
  public DuConfig du() {
    return new DuConfig(containerDiskWatchInterval, enforceContainerDiskQuota,
        containerDiskWatchParallelism == null ? DuConfig.hostParallelism() : containerDiskWatchParallelism,
        containerDiskWatchTimeout, "du");
  }


  /**
   * The isolator flags parsed for {@link io.corral.isolators.IsolatorRegistry}.
   *
   * @throws StartupException naming the flag whose value is invalid
   */
  public io.corral.isolators.IsolatorRegistry.Options isolatorOptions() {
    return IsolatorOptions.parse(disallowSharingAgentPidNamespace, defaultContainerInfo,
        defaultContainerShmSize, disallowSharingAgentIpcNamespace, effectiveCapabilities,
        boundingCapabilities).withCgroups(orStop(this::cgroups)).withDu(orStop(this::du)).withXfs(xfs())
        .withCni(cni).withProcessTable(processTable);
  }

  /** Sets the process table chosen at start ({@link ProcessTableFlag}). */
  void processTable(java.util.Optional<io.corral.posix.ProcessTable> table) {
    this.processTable = table;
  }

  /** Sets the resolved {@code network/cni} flags ({@link CniFlags}). */
  void cni(io.corral.isolators.network.cni.CniConfig config) {
    this.cni = config;
  }

  private static <T> T orStop(java.util.function.Supplier<T> flag) {
    try {
      return flag.get();
    } catch (IllegalArgumentException e) {
      throw new StartupException(e.getMessage(), e);
    }
  }

  /**
   * The {@code disk/xfs} flags; the sandboxes are under {@code --work_dir}, and the kill check
   * runs every {@code --container_disk_watch_interval}, as in Mesos.
   */
  private XfsConfig xfs() {
    try {
      return new XfsConfig(workDir, ProjectRange.parse(xfsProjectRange), xfsKillContainers,
          containerDiskWatchInterval);
    } catch (IllegalArgumentException e) {
      throw new StartupException(e.getMessage(), e);
    }
  }
}
