package io.corral.ops;

import io.corral.isolators.LauncherIsolation;
import io.corral.posix.ProcessTable;
import io.corral.posix.ps.PsException;
import io.corral.posix.ps.PsProcessTable;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/**
 * {@code --process_table=auto|proc|ps} (Corral's; Mesos reads the table through its own library
 * on each system), a picocli mixin of {@code corral agent} and {@code corral run}: where
 * {@code posix/cpu} and {@code posix/mem} read the process table. {@code auto} (the default)
 * reads {@code /proc} where {@code /proc/self/stat} is readable (Linux) and runs {@code ps}
 * elsewhere (macOS, the BSDs); {@code proc} and {@code ps} force one, for tests and for a
 * {@code /proc} that misleads. The choice is made once at start, checked ({@code ps} must run
 * and list the agent), and logged. Filled by picocli on the main thread.
 */
public final class ProcessTableFlag {
  private static final Logger LOG = LoggerFactory.getLogger(ProcessTableFlag.class);
  private static final Path PROC_SELF_STAT = Path.of("/proc/self/stat");

  @Option(names = "--process_table", paramLabel = "auto|proc|ps", defaultValue = "auto",
      description = "Where posix/cpu and posix/mem read the process table: 'proc' (/proc), 'ps' (the"
          + " ps command: cpu time is user plus system in cpus_user_time_secs) or 'auto' (/proc where"
          + " /proc/self/stat is readable, else ps). Default: ${DEFAULT-VALUE}; the choice is logged.")
  String processTable = "auto";

  /** Whether this host's {@code /proc} can be read, as {@code auto} decides. */
  static boolean procReadable() {
    return Files.isReadable(PROC_SELF_STAT);
  }

  /** Whether an executable {@code ps} is on the agent's {@code PATH}. */
  static boolean psOnPath() {
    String path = System.getenv("PATH");
    return path != null && List.of(path.split(File.pathSeparator)).stream()
        .anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, "ps")));
  }

  /** {@link #resolve(List, boolean, Supplier)} on this host. */
  Optional<ProcessTable> resolve(List<String> isolators) {
    return resolve(isolators, procReadable(), () -> new PsProcessTable().check());
  }

  /**
   * The process table for these isolators: empty for {@code /proc} (the isolators read it
   * through the kernel facade) and when none of them reads the table (then nothing is logged).
   *
   * @param procReadable whether {@code /proc/self/stat} is readable
   * @param ps makes and checks the {@code ps} reader
   * @throws StartupException for an unknown value, {@code proc} without a readable
   *     {@code /proc}, or a {@code ps} that does not work
   */
  Optional<ProcessTable> resolve(List<String> isolators, boolean procReadable, Supplier<PsProcessTable> ps) {
    boolean usePs = switch (processTable) {
      case "ps" -> true;
      case "proc" -> false;
      case "auto" -> !procReadable;
      default -> throw new StartupException("Unknown or unsupported process table '" + processTable
          + "': must be 'auto', 'proc' or 'ps'");
    };
    List<String> readers = isolators.stream().filter(LauncherIsolation.READ_PROCESS_TABLE::contains).toList();
    if (readers.isEmpty()) {
      return Optional.empty();
    }
    String names = readers.stream().map(n -> "'" + n + "'").collect(Collectors.joining(", "));
    String reason = processTable.equals("auto")
        ? (procReadable ? "/proc/self/stat is readable" : "/proc/self/stat is not readable")
        : "given by --process_table";
    if (!usePs) {
      if (!procReadable) {
        throw new StartupException("Failed to create isolator" + (readers.size() > 1 ? "s " : " ") + names
            + ": --process_table=proc but '" + PROC_SELF_STAT + "' is not readable");
      }
      LOG.info("Using process table /proc for {} ({})", names, reason);
      return Optional.empty();
    }
    try {
      PsProcessTable table = ps.get();
      LOG.info("Using process table {} for {} ({})", table.describe(), names, reason);
      return Optional.of(table);
    } catch (PsException e) {
      throw new StartupException("Failed to create isolator" + (readers.size() > 1 ? "s " : " ") + names
          + ": " + e.getMessage(), e);
    }
  }
}
