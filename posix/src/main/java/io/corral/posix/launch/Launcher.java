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

  /**
   * Adopts the released container of a previous agent by its checkpointed init: empty when
   * that init is gone (it exited, or its pid now names a process started at another time than
   * {@code initStartTicks}, clock ticks since boot as in {@code /proc/<pid>/stat}).
   *
   * @param plan the container's checkpointed plan (its namespaces and status path)
   * @throws LaunchException when the init cannot be watched; this launcher's default, which
   *     cannot adopt containers, always throws
   */
  default java.util.Optional<LaunchedContainer> recover(
      String containerId, LaunchPlan plan, int initPid, int helperPid, long initStartTicks) {
    throw new LaunchException("init", null, "Failed to recover container '" + containerId
        + "': launcher " + getClass().getSimpleName() + " cannot adopt containers");
  }

  /**
   * Called once recovery has tried every container, with the ids of those it adopted: a
   * launcher that keeps per-container state outside the processes (the freezer cgroups)
   * destroys what belongs to no adopted container. The default has nothing to clean.
   */
  default void recovered(java.util.Set<String> adopted) {}
}
