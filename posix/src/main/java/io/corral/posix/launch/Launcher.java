package io.corral.posix.launch;

import io.corral.proto.v1.LaunchPlan;

/**
 * Starts containers with the launch helper {@code corral-init} (Mesos' {@code Launcher}).
 *
 * <p>{@link #fork} spawns the helper, which clones the container's init into the plan's
 * namespaces and leaves it blocked on the sync pipe; the caller isolates the init (cgroups and
 * the like) and then {@link LaunchedContainer#release() releases} it. All methods block and are
 * called on a blocking dispatcher.
 */
public interface Launcher {

  /**
   * Spawns the helper for a complete plan (version set) and returns once the container's init
   * exists and waits for the go signal.
   *
   * @throws LaunchException when the helper cannot start or refuses the plan
   */
  LaunchedContainer fork(String containerId, LaunchPlan plan, Stdio stdio);

  /**
   * Releases what the launcher holds for its containerizer (such as the lock on its cgroups
   * root), once, when the containerizer stops; the launcher is not used afterwards.
   */
  default void close() {}
}
