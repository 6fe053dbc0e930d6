package io.corral.isolators.cgroups;

import io.corral.isolators.IsolatorException;
import io.corral.posix.Linux;
import io.corral.posix.LinuxException;
import io.corral.posix.launch.LaunchException;
import io.corral.posix.launch.LaunchedContainer;
import io.corral.posix.launch.Launcher;
import io.corral.posix.launch.Stdio;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.Namespace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mesos' {@code LinuxLauncher}: gives every container a freezer cgroup
 * {@code <hierarchy>/freezer/<cgroups_root>/<id>} (v1) or {@code <hierarchy>/<cgroups_root>/<id>}
 * (v2, whose core has {@code cgroup.freeze}), around another {@link Launcher}.
 *
 * <p>{@link #fork} creates the cgroup and forks through the delegate with the cgroup added to
 * the plan's {@code join_cgroups} (v1), so that the init moves itself in before the helper
 * reports its pid; it then checks the init is in it, writing its pid when it is not (v2, or a
 * delegate that does not join). Either way the init is inside while it is still blocked on the
 * sync pipe: before the isolators' isolate and before exec, so every process of the container
 * starts inside it and none can escape it by forking, daemonizing or calling setsid. Destroy: a
 * container without a pid namespace is killed with {@link FreezerController#killAll} (freeze,
 * SIGKILL every pid, thaw, until empty), then the delegate kills its init; a container with one keeps pid-namespace termination (SIGKILL to its
 * init, the kernel kills the rest). For every container, {@link LaunchedContainer#exited()}
 * completes only after the freezer cgroup has been emptied (whatever is left is killed the same
 * way) and removed (rmdir EBUSY retried with backoff); a destroy that cannot finish within
 * {@code --cgroups_destroy_timeout} completes it exceptionally, naming the cgroup and the pids
 * left, instead of hanging.
 *
 * <p>The freezer hierarchy is prepared and its root locked through the agent's
 * {@link Hierarchies} (shared with the cgroups isolators) at agent start; {@link #close()}
 * releases those locks when the containerizer stops. Threading: {@code fork} and {@code kill} block on the caller's thread (the
 * blocking dispatcher); the exit backstop runs on the delegate's exit executor.
 */
public final class FreezerLauncher implements Launcher {
  private static final Logger LOG = LoggerFactory.getLogger(FreezerLauncher.class);

  private final Launcher delegate;
  private final Hierarchy hierarchy;
  private final Linux linux;
  private final Duration timeout;
  private final AutoCloseable owned;

  FreezerLauncher(Launcher delegate, Hierarchy hierarchy, Linux linux, Duration timeout) {
    this(delegate, hierarchy, linux, timeout, () -> { });
  }

  private FreezerLauncher(Launcher delegate, Hierarchy hierarchy, Linux linux, Duration timeout,
      AutoCloseable owned) {
    this.owned = owned;
    this.delegate = delegate;
    this.hierarchy = hierarchy;
    this.linux = linux;
    this.timeout = timeout;
  }

  /**
   * {@code delegate} with freezer cgroups when the agent runs as root and the kernel has the
   * freezer (listed as enabled in {@code /proc/cgroups}, or a v2 hierarchy); otherwise
   * {@code delegate} itself, logged: containers without a pid namespace are then destroyed by
   * the delegate's walk of their process tree and session.
   *
   * @throws IllegalArgumentException when the freezer hierarchy cannot be mounted, written or
   *     locked (another live agent owns the root), as for the cgroups isolators
   */
  public static Launcher wrap(Launcher delegate, Hierarchies hierarchies) {
    Linux linux = hierarchies.linux();
    if (linux.processes().geteuid() != 0) {
      LOG.info("Not using the freezer cgroup for destroy: not running as root");
      return delegate;
    }
    if (!hierarchies.unifiedHierarchy() && !kernelHasFreezer()) {
      LOG.warn("Not using the freezer cgroup for destroy: '/proc/cgroups' lists no enabled"
          + " freezer subsystem; containers without a pid namespace are killed by process tree");
      return delegate;
    }
    Hierarchy freezer = hierarchies.get("freezer");
    LOG.info("Using freezer cgroups under '{}' for destroy", freezer.fs().root().resolve(
        hierarchies.config().root()));
    return new FreezerLauncher(delegate, freezer, linux, hierarchies.config().destroyTimeout(),
        hierarchies);
  }

  /**
   * Releases the root locks of the {@link Hierarchies} it was wrapped with (shared with the
   * cgroups isolators, which are done too once the containerizer stops), so that a containerizer
   * started later in this process may take the same root.
   */
  @Override
  public void close() {
    try {
      owned.close();
    } catch (Exception e) {
      LOG.warn("Failed to release the cgroups root locks: {}", e.getMessage());
    }
    delegate.close();
  }

  private static boolean kernelHasFreezer() {
    try {
      return Files.readAllLines(Path.of("/proc/cgroups")).stream()
          .map(line -> line.trim().split("\\s+"))
          .anyMatch(f -> f.length >= 4 && f[0].equals("freezer") && f[3].equals("1"));
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public LaunchedContainer fork(String containerId, LaunchPlan plan, Stdio stdio) {
    try {
      hierarchy.create(containerId);
    } catch (IsolatorException | LinuxException e) {
      throw new LaunchException("freezer", null, "Failed to create the freezer cgroup of '"
          + containerId + "': " + e.getMessage());
    }
    LaunchedContainer container;
    LaunchPlan joining = hierarchy.joinFile(containerId)
        .map(file -> plan.toBuilder().addJoinCgroups(file).build()).orElse(plan);
    try {
      container = delegate.fork(containerId, joining, stdio);
    } catch (RuntimeException e) {
      removeQuietly(containerId);
      throw e;
    }
    FreezerController freezer = new FreezerController(hierarchy.fs(),
        hierarchy.cgroup(containerId), hierarchy.v2());
    FrozenContainer frozen = new FrozenContainer(container, containerId,
        plan.getCloneNamespacesList().contains(Namespace.PID), freezer);
    try {
      hierarchy.assign(containerId, container.initPid());
    } catch (IsolatorException e) {
      container.abort(); // the init exits without running anything; exited() removes the cgroup
      frozen.exited().exceptionally(error -> null);
      throw new LaunchException("freezer", null, e.getMessage());
    }
    return frozen;
  }

  /**
   * Adopts through the delegate, then puts the adopted container back under its freezer cgroup
   * (created, with the init in it, if an earlier agent had none: its descendants then escape the
   * backstop, which is logged). An init that is gone leaves only its cgroup: whatever is still
   * in it is killed and the cgroup removed.
   */
  @Override
  public java.util.Optional<LaunchedContainer> recover(
      String containerId, LaunchPlan plan, int initPid, int helperPid, long initStartTicks) {
    java.util.Optional<LaunchedContainer> adopted =
        delegate.recover(containerId, plan, initPid, helperPid, initStartTicks);
    try {
      return refreeze(containerId, plan, initPid, adopted);
    } catch (IsolatorException | LinuxException e) {
      adopted.ifPresent(LaunchedContainer::kill);
      throw new LaunchException("freezer", null, "Failed to recover the freezer cgroup of '"
          + containerId + "': " + e.getMessage());
    }
  }

  private java.util.Optional<LaunchedContainer> refreeze(String containerId, LaunchPlan plan,
      int initPid, java.util.Optional<LaunchedContainer> adopted) {
    FreezerController freezer = new FreezerController(hierarchy.fs(),
        hierarchy.cgroup(containerId), hierarchy.v2());
    if (adopted.isEmpty()) {
      freezer.killAll(linux.processes(), timeout);
      hierarchy.destroy(containerId, linux.processes(), timeout);
      return adopted;
    }
    if (!hierarchy.fs().exists(hierarchy.cgroup(containerId))) {
      LOG.warn("Container '{}' had no freezer cgroup; putting its init {} into a new one"
          + " (processes it started before are not in it)", containerId, initPid);
      hierarchy.create(containerId);
      hierarchy.assign(containerId, initPid);
    } else {
      hierarchy.adopt(containerId);
    }
    freezer.thaw(); // an agent that died during a destroy may have left it frozen
    return java.util.Optional.of(new FrozenContainer(adopted.get(), containerId,
        plan.getCloneNamespacesList().contains(Namespace.PID), freezer));
  }

  /** Orphan freezer cgroups (no adopted container): their processes are killed, they are removed. */
  @Override
  public void recovered(java.util.Set<String> adopted) {
    for (String orphan : hierarchy.containers()) {
      if (adopted.contains(orphan)) {
        continue;
      }
      LOG.warn("Destroying orphan freezer cgroup '{}'", hierarchy.path(orphan));
      try {
        new FreezerController(hierarchy.fs(), hierarchy.cgroup(orphan), hierarchy.v2())
            .killAll(linux.processes(), timeout);
        hierarchy.destroy(orphan, linux.processes(), timeout);
      } catch (RuntimeException e) {
        LOG.error("Failed to destroy orphan freezer cgroup '{}': {}", hierarchy.path(orphan), e.getMessage());
      }
    }
    delegate.recovered(adopted);
  }

  private void removeQuietly(String containerId) {
    try {
      hierarchy.destroy(containerId, linux.processes(), timeout);
    } catch (RuntimeException e) {
      LOG.warn("Failed to remove the freezer cgroup of '{}': {}", containerId, e.getMessage());
    }
  }

  /** A container with its freezer cgroup; see {@link FreezerLauncher}. */
  private final class FrozenContainer implements LaunchedContainer {
    private final LaunchedContainer delegate;
    private final String containerId;
    private final boolean ownPidNamespace;
    private final FreezerController freezer;
    private final CompletableFuture<Integer> exited;

    FrozenContainer(LaunchedContainer delegate, String containerId, boolean ownPidNamespace,
        FreezerController freezer) {
      this.delegate = delegate;
      this.containerId = containerId;
      this.ownPidNamespace = ownPidNamespace;
      this.freezer = freezer;
      this.exited = delegate.exited().thenApply(status -> {
        emptyAndRemove();
        return status;
      });
    }

    @Override
    public int initPid() {
      return delegate.initPid();
    }

    @Override
    public int helperPid() {
      return delegate.helperPid();
    }

    @Override
    public void release() {
      delegate.release();
    }

    @Override
    public void abort() {
      delegate.abort();
    }

    @Override
    public void signal(int signal) {
      delegate.signal(signal);
    }

    @Override
    public void kill() {
      if (!ownPidNamespace && !exited.isDone()) {
        freezer.killAll(linux.processes(), timeout);
      }
      delegate.kill();
    }

    @Override
    public CompletableFuture<Integer> exited() {
      return exited;
    }

    /** The backstop: whatever is left in the cgroup is killed, then the cgroup is removed. */
    private void emptyAndRemove() {
      freezer.killAll(linux.processes(), timeout);
      hierarchy.destroy(containerId, linux.processes(), timeout);
    }
  }
}
