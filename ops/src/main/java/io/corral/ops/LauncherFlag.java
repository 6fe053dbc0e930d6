package io.corral.ops;

import io.corral.isolators.IsolationFlag;
import io.corral.isolators.LauncherIsolation;
import io.corral.posix.launch.CorralInit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/**
 * {@code --launcher=posix|linux} (Mesos' flag), a picocli mixin of {@code corral agent} and
 * {@code corral run}, and the choice at start. {@code linux} starts containers through the launch
 * helper {@code corral-init} (namespaces, cgroups, every isolator); {@code posix} with the JDK
 * alone (see {@code PosixLauncher}; only the isolators of {@link LauncherIsolation#POSIX}).
 * Without the flag, as in Mesos, the linux launcher is used where it can work, and the posix one
 * elsewhere; the choice and its reason are logged. Filled by picocli on the main thread.
 */
public final class LauncherFlag {
  private static final Logger LOG = LoggerFactory.getLogger(LauncherFlag.class);

  /** The two launchers, by their flag values. */
  public enum Kind {
    LINUX, POSIX;

    /** The flag value. */
    public String value() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * What decides whether the linux launcher can work here.
   *
   * @param os the {@code os.name} system property
   * @param root whether the agent runs as root
   * @param corralInitBuilt whether this jar carries {@code corral-init}
   * @param pidNamespaces whether this kernel has pid namespaces ({@code /proc/self/ns/pid})
   */
  record Facts(String os, boolean root, boolean corralInitBuilt, boolean pidNamespaces) {
    static Facts host(boolean root) {
      return new Facts(System.getProperty("os.name", "unknown"), root, CorralInit.isBuilt(),
          Files.exists(Path.of("/proc/self/ns/pid")));
    }
  }

  @Option(names = "--launcher", paramLabel = "posix|linux",
      description = "How containers are started: 'linux' through the launch helper corral-init"
          + " (namespaces, cgroups: every isolator), 'posix' with the JDK alone (no isolation; only"
          + " filesystem/posix, posix/cpu, posix/mem and disk/du). Default: linux where it can work"
          + " (Linux, root, corral-init built, pid namespaces), else posix; the choice is logged.")
  String launcher;

  private Kind kind;
  private String reason;

  /**
   * Why the linux launcher cannot work with these facts, or empty when it can.
   */
  static Optional<String> linuxUnavailable(Facts facts) {
    if (!facts.os().toLowerCase(Locale.ROOT).startsWith("linux")) {
      return Optional.of("this is " + facts.os() + ", not Linux");
    }
    if (!facts.corralInitBuilt()) {
      return Optional.of("corral-init was not built into this jar (no C compiler at build time)");
    }
    if (!facts.root()) {
      return Optional.of("the agent does not run as root");
    }
    if (!facts.pidNamespaces()) {
      return Optional.of("this kernel has no pid namespaces");
    }
    return Optional.empty();
  }

  /**
   * Chooses the launcher from the flag and the facts, and logs it with the reason.
   *
   * @throws StartupException for an unknown value, or {@code linux} where it cannot work
   */
  public Kind resolve(Facts facts) {
    Optional<String> unavailable = linuxUnavailable(facts);
    if (launcher == null) {
      kind = unavailable.isPresent() ? Kind.POSIX : Kind.LINUX;
      reason = unavailable.map(why -> "no --launcher given and the linux launcher cannot work: " + why)
          .orElse("no --launcher given; this Linux host has what the linux launcher needs");
    } else if (launcher.equals("posix")) {
      kind = Kind.POSIX;
      reason = "given by --launcher";
    } else if (launcher.equals("linux")) {
      if (unavailable.isPresent()) {
        throw new StartupException("Failed to create launcher 'linux': " + unavailable.get());
      }
      kind = Kind.LINUX;
      reason = "given by --launcher";
    } else {
      throw new StartupException("Unknown or unsupported launcher '" + launcher
          + "': must be 'linux' or 'posix'");
    }
    launcher = kind.value();
    LOG.info("Using launcher '{}' ({})", launcher, reason);
    return kind;
  }

  /** {@link #resolve(Facts)} on this host. */
  public Kind resolve(boolean root) {
    return resolve(Facts.host(root));
  }

  /** The chosen launcher; null before {@link #resolve}. */
  public Kind kind() {
    return kind;
  }

  /** Whether this host has {@code /proc}, where the launcher finds a container's session. */
  static boolean hasProcFs() {
    return Files.isDirectory(Path.of("/proc/self"));
  }

  /** Whether posix/cpu and posix/mem can read a process table here: {@code /proc}, or {@code ps}. */
  static boolean hasProcessTable() {
    return ProcessTableFlag.procReadable() || ProcessTableFlag.psOnPath();
  }

  /**
   * The isolation used when {@code --isolation} is not given, with this launcher: for posix,
   * Mesos' default, or {@code disk/du} alone with neither {@code /proc} nor {@code ps}.
   */
  public String defaultIsolation(boolean root) {
    if (kind == Kind.POSIX) {
      return hasProcessTable() ? LauncherIsolation.POSIX_DEFAULT : LauncherIsolation.NO_PROC_DEFAULT;
    }
    return IsolationFlag.hostDefault(root);
  }

  /** Why {@link #defaultIsolation} is what it is, for the log. */
  public String defaultIsolationReason(boolean root) {
    if (kind == Kind.POSIX) {
      return hasProcessTable() ? "no --isolation given; the launcher is 'posix', so the Mesos default"
          : "no --isolation given; the launcher is 'posix' and there is neither /proc nor ps, so disk usage only";
    }
    return root ? "no --isolation given; running as root, so the Linux isolators available on this host"
        : "no --isolation given; not running as root, so the Mesos default";
  }
}
