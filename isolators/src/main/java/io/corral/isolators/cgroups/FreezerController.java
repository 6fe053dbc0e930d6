package io.corral.isolators.cgroups;

import io.corral.isolators.IsolatorException;
import io.corral.posix.Errno;
import io.corral.posix.LinuxException;
import io.corral.posix.Processes;
import io.corral.posix.cgroup.CgroupFs;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The freezer of one cgroup: v1 {@code freezer.state} ({@code FROZEN}/{@code THAWED}) or v2
 * {@code cgroup.freeze} (1/0, with {@code frozen 1} in {@code cgroup.events} once done), and the
 * kill that uses it (Mesos' {@code TasksKiller}): freeze, SIGKILL every pid in
 * {@code cgroup.procs}, thaw, and again until the cgroup is empty; on a v2 kernel with
 * {@code cgroup.kill} (5.14+) one write of that file replaces the freeze and the kills. A frozen process cannot
 * fork, so a fork bomb cannot outrun the kill as it can a walk of the process tree.
 *
 * <p>NOTE: freezing can stall (a task in uninterruptible sleep, kernel freezer bugs MESOS-1758
 * and MESOS-1689); after {@link #FREEZE_WAIT} the pass kills and thaws anyway, as Mesos does
 * after its retry interval. A SIGKILL sent to a frozen task takes effect at the thaw.
 *
 * <p>Stateless; any thread (a blocking one: the kill polls and parks).
 */
public final class FreezerController {
  private static final Logger LOG = LoggerFactory.getLogger(FreezerController.class);
  private static final int SIGKILL = 9;
  /** How long one pass waits for the freeze to complete before it kills regardless. */
  static final Duration FREEZE_WAIT = Duration.ofSeconds(1);

  private final CgroupFs fs;
  private final String cgroup;
  private final boolean v2;

  public FreezerController(CgroupFs fs, String cgroup, boolean v2) {
    this.fs = fs;
    this.cgroup = cgroup;
    this.v2 = v2;
  }

  /** Asks the kernel to freeze the cgroup; does not wait. */
  public void freeze() {
    fs.write(cgroup, v2 ? "cgroup.freeze" : "freezer.state", v2 ? "1" : "FROZEN");
  }

  public void thaw() {
    fs.write(cgroup, v2 ? "cgroup.freeze" : "freezer.state", v2 ? "0" : "THAWED");
  }

  /** Whether every task of the cgroup is frozen now. */
  public boolean frozen() {
    if (v2) {
      return KeyValues.parse(fs.read(cgroup, "cgroup.events")).getOrDefault("frozen", 0L) == 1L;
    }
    return fs.read(cgroup, "freezer.state").trim().equals("FROZEN");
  }

  /**
   * Kills every process of the cgroup and returns once {@code cgroup.procs} is empty, or throws
   * past {@code timeout} with the pids that are left: {@code Failed to kill all processes in
   * cgroup '<path>' within <timeout>: pids left [..]}. A missing cgroup is empty.
   */
  public void killAll(Processes processes, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    long backoffMillis = 1;
    for (int pass = 0; ; pass++) {
      List<Integer> left = procs();
      if (left.isEmpty()) {
        return;
      }
      if (System.nanoTime() >= deadline) {
        throw new IsolatorException("Failed to kill all processes in cgroup '"
            + fs.root().resolve(cgroup) + "' within " + timeout.toMillis() + "ms: pids left "
            + left);
      }
      if (!killByKernel()) {
        freezeAndKill(processes, deadline);
      }
      if (pass > 0) { // killed tasks need a moment to exit and leave cgroup.procs
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(backoffMillis));
        backoffMillis = Math.min(backoffMillis * 2, 100);
      }
    }
  }

  /**
   * v2 from kernel 5.14: one write of "1" to {@code cgroup.kill} SIGKILLs every process of the
   * cgroup and of its descendants, atomically with respect to forks. False where the kernel has
   * no such file (v1, or an older v2), and the caller freezes and kills pid by pid instead.
   */
  private boolean killByKernel() {
    if (!v2) {
      return false;
    }
    try {
      fs.write(cgroup, "cgroup.kill", "1");
      return true;
    } catch (LinuxException e) {
      if (e.errno() == Errno.ENOENT && fs.exists(cgroup)) {
        return false;
      }
      throw e;
    }
  }

  private void freezeAndKill(Processes processes, long deadline) {
    freezeAndWait(deadline);
    for (int pid : procs()) {
      try {
        processes.kill(pid, SIGKILL);
      } catch (LinuxException e) {
        LOG.debug("Failed to kill pid {} of cgroup '{}': {}", pid, cgroup, e.getMessage());
      }
    }
    thaw();
  }

  private List<Integer> procs() {
    return fs.exists(cgroup) ? fs.procs(cgroup) : List.of();
  }

  private void freezeAndWait(long deadline) {
    freeze();
    long until = Math.min(deadline, System.nanoTime() + FREEZE_WAIT.toNanos());
    while (!frozen()) {
      if (System.nanoTime() >= until) {
        LOG.warn("Cgroup '{}' did not freeze within {}ms; killing its tasks anyway",
            fs.root().resolve(cgroup), FREEZE_WAIT.toMillis());
        return;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
  }
}
