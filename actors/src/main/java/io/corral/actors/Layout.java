package io.corral.actors;

import com.google.protobuf.MessageLite;
import io.corral.actors.recovery.Recovery;
import io.corral.posix.AtomicFiles;
import io.corral.posix.MountSafeDelete;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The on-disk layout of containers, and the few file operations on it (atomic checkpoint
 * writes, recursive removal that stops at mount points).
 *
 * <pre>
 * &lt;work_dir&gt;/
 * └── containers/
 *     └── &lt;id&gt;/                 sandbox: MESOS_SANDBOX, working directory, stdout, stderr
 * &lt;runtime_dir&gt;/
 * └── containers/
 *     └── &lt;id&gt;/                 runtime directory (cleared on reboot)
 *         ├── config            ContainerConfig: the launch request, isolators and plan
 *         ├── pids              ContainerPids: the init and helper pids and the init's
 *         │                     start time, once forked
 *         ├── status            the command's raw wait status, written by corral-init
 *         └── termination       ContainerTermination, once TERMINATED
 * </pre>
 *
 * <p>Every checkpoint is written by {@link #checkpoint} (temporary {@code <name>.tmp}, fsync,
 * rename, fsync of the directory). A restarted agent reads them back in {@link Recovery}: a
 * runtime directory is one container to recover; a sandbox without one is an orphan.
 *
 * <p>Threading: pure path arithmetic is safe anywhere; the methods that touch the file system
 * block and are called on the blocking dispatcher only.
 */
public final class Layout {
  private static final Logger LOG = LoggerFactory.getLogger(Layout.class);
  private final Path workDir;
  private final Path runtimeDir;

  public Layout(Path workDir, Path runtimeDir) {
    this.workDir = workDir;
    this.runtimeDir = runtimeDir;
  }

  /** {@code <work_dir>/containers}: one sandbox per container. */
  public Path sandboxes() {
    return workDir.resolve("containers");
  }

  /** {@code <runtime_dir>/containers}: one runtime directory per container. */
  public Path runtimes() {
    return runtimeDir.resolve("containers");
  }

  /** {@code <work_dir>/containers/<id>}. */
  public Path sandbox(String id) {
    return workDir.resolve("containers").resolve(id);
  }

  /** {@code <runtime_dir>/containers/<id>}. */
  public Path runtime(String id) {
    return runtimeDir.resolve("containers").resolve(id);
  }

  public Path config(String id) {
    return runtime(id).resolve("config");
  }

  public Path pids(String id) {
    return runtime(id).resolve("pids");
  }

  public Path status(String id) {
    return runtime(id).resolve("status");
  }

  public Path termination(String id) {
    return runtime(id).resolve("termination");
  }

  /** The suffix of a checkpoint being written; a leftover one is a write cut short. */
  public static final String TEMP_SUFFIX = AtomicFiles.TEMP_SUFFIX;

  /**
   * Writes {@code message} to {@code target} atomically and durably: a temporary file that is
   * fsynced, renamed over {@code target}, and the directory fsynced so the rename survives a
   * crash. A reader sees the old checkpoint or the new one, never a part.
   */
  public static void checkpoint(Path target, MessageLite message) throws IOException {
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
