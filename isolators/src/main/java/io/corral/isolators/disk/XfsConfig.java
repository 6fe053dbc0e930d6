package io.corral.isolators.disk;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The agent flags of {@code disk/xfs}, in one place.
 *
 * @param workDir {@code --work_dir}: sandboxes are {@code <work_dir>/containers/<id>}; null until
 *     the containerizer fills it in ({@link #withWorkDir})
 * @param projectRange {@code --xfs_project_range}
 * @param killContainers {@code --xfs_kill_containers}: destroy a container over its quota
 *     (checked every {@code watchInterval}) instead of only failing its writes with ENOSPC
 * @param watchInterval how often usage is checked against the quota when killing
 *     ({@code --container_disk_watch_interval})
 */
public record XfsConfig(Path workDir, ProjectRange projectRange, boolean killContainers,
    Duration watchInterval) {

  /** Mesos' {@code --container_disk_watch_interval} default. */
  public static final Duration DEFAULT_WATCH_INTERVAL = Duration.ofSeconds(15);

  /**
   * Room above the quota before the kernel refuses writes when containers are killed instead:
   * the soft limit is the {@code disk} request and the hard limit this much higher, so usage can
   * be seen above the request (Mesos 1.11's fixed 10MB).
   */
  public static final long KILL_HEADROOM_BYTES = 10L << 20;

  public XfsConfig {
    if (watchInterval.isNegative() || watchInterval.isZero()) {
      throw new IllegalArgumentException("The disk watch interval must be positive: " + watchInterval);
    }
  }

  /** Mesos' defaults, without a work directory yet. */
  public static XfsConfig defaults() {
    return new XfsConfig(null, ProjectRange.parse(ProjectRange.DEFAULT), false,
        DEFAULT_WATCH_INTERVAL);
  }

  public XfsConfig withWorkDir(Path dir) {
    return new XfsConfig(dir, projectRange, killContainers, watchInterval);
  }

  /** Where the sandboxes are. */
  public Path sandboxes() {
    return workDir.resolve("containers");
  }
}
