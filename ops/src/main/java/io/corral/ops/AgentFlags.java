package io.corral.ops;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
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

  /** The isolators {@code --isolation} defaults to as root: the real Linux ones Corral has. */
  public static final String ROOT_ISOLATION = "filesystem/posix,posix/cpu,posix/mem,namespaces/pid";
  /** Mesos' default {@code --isolation}, used when not root. */
  public static final String MESOS_ISOLATION = "posix/cpu,posix/mem";
  /** {@code --runtime_dir} as root; otherwise {@code ${java.io.tmpdir}/corral/runtime}. */
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
          + " Default: " + ROOT_RUNTIME_DIR + " as root, else ${sys:java.io.tmpdir}/corral/runtime.")
  Path runtimeDir;

  @Option(names = "--isolation", paramLabel = "ISOLATORS",
      description = "Comma-separated isolators (Mesos names). Default: " + ROOT_ISOLATION
          + " as root, else " + MESOS_ISOLATION + " (the Mesos default).")
  String isolation;

  @Option(names = "--launcher_dir", paramLabel = "DIR",
      description = "Directory the launch helper corral-init is extracted to. Default: <runtime_dir>/bin.")
  Path launcherDir;

  @Option(names = "--container_launch_timeout", paramLabel = "DURATION", defaultValue = "1mins",
      converter = DurationConverter.class,
      description = "How long a launch may take from fork to exec before the container is destroyed."
          + " Default: ${DEFAULT-VALUE}.")
  Duration containerLaunchTimeout;

  @Option(names = "--logging_level", paramLabel = "LEVEL", defaultValue = "INFO",
      description = "Least severe level logged: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.")
  LoggingLevel loggingLevel;

  private String isolationReason = "given by --isolation";

  /** The flags of {@code corral agent} that {@code corral run} has no use for. */
  public static final class Http {
    @Option(names = "--ip", paramLabel = "IP", defaultValue = "127.0.0.1",
        description = "IP address to listen on. Default: ${DEFAULT-VALUE}.")
    String ip;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "5051",
        description = "Port to listen on. Default: ${DEFAULT-VALUE}.")
    int port;

    public String ip() {
      return ip;
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

  /**
   * Fills the defaults that depend on the host and on other flags, and logs the isolation chosen
   * and why. {@code hostDefaultIsolation} is the isolation for this host when none is given.
   */
  public AgentFlags resolve(boolean root, String hostDefaultIsolation) {
    if (runtimeDir == null) {
      runtimeDir = root
          ? Path.of(ROOT_RUNTIME_DIR)
          : Path.of(System.getProperty("java.io.tmpdir"), "corral", "runtime");
    }
    if (launcherDir == null) {
      launcherDir = runtimeDir.resolve("bin");
    }
    if (isolation == null) {
      isolation = hostDefaultIsolation;
      isolationReason = root
          ? "no --isolation given; running as root, so the Linux isolators available on this host"
          : "no --isolation given; not running as root, so the Mesos default";
    }
    LOG.info("Using isolation '{}' ({})", isolation, isolationReason);
    return this;
  }

  public Path workDir() {
    return workDir;
  }

  /** Sets the work directory {@code corral run} made up when none was given. */
  void workDir(Path dir) {
    this.workDir = dir;
  }

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

  public LoggingLevel loggingLevel() {
    return loggingLevel;
  }

  /**
   * Every flag of the given mixins that has a value, by name in alphabetical order (as Mesos
   * lists them), each in stout's string form: bools {@code true}/{@code false}, durations
   * {@code 15secs}, lists as given.
   */
  public static Map<String, String> render(Object... mixins) {
    Map<String, String> sorted = new TreeMap<>();
    for (Object mixin : mixins) {
      for (OptionSpec option : CommandSpec.forAnnotatedObject(mixin).options()) {
        Object value = option.getValue();
        if (value != null) {
          sorted.put(option.longestName().replaceFirst("^--", ""), valueString(value));
        }
      }
    }
    return Collections.unmodifiableMap(new LinkedHashMap<>(sorted));
  }

  private static String valueString(Object value) {
    if (value instanceof Duration d) {
      return Durations.format(d);
    }
    if (value instanceof Boolean b) {
      return b ? "true" : "false";
    }
    return value.toString();
  }
}
