package io.corral.actors;

import java.nio.file.Path;

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
 * <p>Every checkpoint is written atomically and durably (temporary {@code <name>.tmp}, fsync,
 * rename, fsync of the directory). A restarted agent reads them back: a runtime directory is one
 * container to recover; a sandbox without one is an orphan.
 *
 * <p>Threading: pure path arithmetic, safe anywhere.
 */
public final class Layout {
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
}
