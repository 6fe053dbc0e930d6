package io.corral.actors.launch;

import com.google.protobuf.MessageLite;
import io.corral.actors.Layout;
import io.corral.isolators.ContainerContext;
import io.corral.isolators.Isolator;
import io.corral.proto.v1.ContainerConfig;
import io.corral.proto.v1.ContainerPids;
import io.corral.proto.v1.LaunchPlan;
import io.corral.posix.AtomicFiles;
import io.corral.posix.MountSafeDelete;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The records a container checkpoints under its runtime directory ({@link Layout} draws the
 * layout), how they are written, and how a container's directories are removed. Building them
 * is pure; the methods that touch the file system block and run on the blocking dispatcher.
 */
public final class Checkpoints {
  private static final Logger LOG = LoggerFactory.getLogger(Checkpoints.class);
  private Checkpoints() {}

  /** The config checkpoint (written before the plan exists, and again with it). */
  public static ContainerConfig config(ContainerContext container, List<Isolator> isolators, LaunchPlan plan) {
    ContainerConfig.Builder config = ContainerConfig.newBuilder()
        .setLaunch(container.launch())
        .setSandbox(container.sandbox().toString());
    isolators.forEach(i -> config.addIsolators(i.name()));
    if (plan != null) {
      config.setPlan(plan);
    }
    container.rootfs().ifPresent(config::setRootfs);
    return config.build();
  }

  public static ContainerPids pids(int init, int helper, long initStartTicks) {
    return ContainerPids.newBuilder().setInitPid(init).setHelperPid(helper)
        .setInitStartTicks(initStartTicks).build();
  }

  /**
   * The start time of process {@code pid} ({@code /proc/<pid>/stat}), by which a restarted
   * agent tells its init from a process that reused the pid; 0 when unknown (no kernel facade,
   * or the process is already gone: a recovering agent then finds it gone too).
   */
  static long startTicks(io.corral.posix.Linux linux, int pid) {
    if (linux == null) {
      return 0;
    }
    try {
      return linux.proc().stat(pid).map(io.corral.posix.ProcStat::startTicks).orElse(0L);
    } catch (io.corral.posix.LinuxException e) {
      return 0;
    }
  }

  public static void createDirectories(ContainerContext container) throws java.io.IOException {
    Files.createDirectories(container.sandbox());
    Files.createDirectories(container.runtimeDir());
  }

  /** The suffix of a checkpoint being written; a leftover one is a write cut short. */
  public static final String TEMP_SUFFIX = AtomicFiles.TEMP_SUFFIX;

  /**
   * Writes {@code message} to {@code target} atomically and durably: a temporary file that is
   * fsynced, renamed over {@code target}, and the directory fsynced so the rename survives a
   * crash. A reader sees the old checkpoint or the new one, never a part.
   */
  public static void write(Path target, MessageLite message) throws IOException {
    AtomicFiles.writeDurably(target, message);
  }

  /**
   * Deletes {@code root} and everything below it, except mount points ({@link MountSafeDelete}):
   * a volume still bound into a sandbox on the host is left in place with its contents, and
   * logged as left; a missing {@code root} is not an error.
   *
   * @return the mount points left in place, empty when all of {@code root} went
   */
  public static List<Path> deleteRecursively(Path root) throws IOException {
    List<Path> kept = MountSafeDelete.deleteRecursively(root);
    if (!kept.isEmpty()) {
      LOG.error("Failed to remove '{}' completely: left {} mount point(s) below it in place with"
          + " their contents (unmount them, then remove the directory): {}", root, kept.size(),
          kept.stream().map(p -> "'" + p + "'").collect(Collectors.joining(", ")));
    }
    return kept;
  }
}
