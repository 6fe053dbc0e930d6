package io.corral.posix.du;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Measures how much disk a directory tree uses, as {@code du -k -s} does: the role the disk/du
 * isolator samples sandboxes through. {@link ProcessDu} runs the real {@code du}; tests pass a
 * scripted one.
 *
 * <p>Threading: {@link #start} and {@link Run#kill} may be called from any thread;
 * {@link Run#await} blocks its caller until the run ends, so callers keep it off actor threads.
 */
public interface Du {

  /**
   * Starts measuring {@code root}, leaving out the trees at {@code excludes} (absolute paths
   * under {@code root}, such as mount points, so that what is mounted there is not counted).
   *
   * @throws DuException when the measurement cannot start (for example, no {@code du} binary)
   */
  Run start(Path root, List<Path> excludes);

  /** One measurement in progress. */
  interface Run {

    /**
     * Waits for the result: the KiB used. A run that does not finish within {@code timeout}
     * is killed.
     *
     * @throws DuException when the run failed, timed out or was killed ({@link DuException#kind})
     */
    long await(Duration timeout);

    /** Kills the run at once (and whatever it started); returns once it is gone. Idempotent. */
    void kill();
  }
}
