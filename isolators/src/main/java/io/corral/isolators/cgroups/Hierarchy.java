package io.corral.isolators.cgroups;

import io.corral.isolators.IsolatorException;
import io.corral.posix.Errno;
import io.corral.posix.LinuxException;
import io.corral.posix.Processes;
import io.corral.posix.cgroup.CgroupFs;
import io.corral.posix.cgroup.CgroupKernel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One hierarchy as the agent uses it: a v1 subsystem's mount under {@code --cgroups_hierarchy}
 * (or the v2 unified hierarchy at {@code --cgroups_hierarchy} itself),
 * the agent's root cgroup in it (created and locked at agent start, see {@link Hierarchies}), and
 * one cgroup per container at {@code <root>/<container id>}. Creating, attaching to and removing
 * container cgroups happens here; what goes into the control files is the controllers' business.
 *
 * <p>Threading: any thread (the blocking dispatcher); stateless apart from the lock it holds.
 */
public final class Hierarchy {
  private static final Logger LOG = LoggerFactory.getLogger(Hierarchy.class);
  private static final int SIGKILL = 9;
  /** The v2 leaf cgroup the agent moves itself into (see {@link Hierarchies}). */
  static final String AGENT_LEAF = "agent";

  private final String subsystem;
  private final CgroupFs fs;
  private final String root;
  private final CgroupKernel.Lock lock;
  private final boolean v2;
  /**
   * v2: how many holders (the {@code cgroups/*} isolators and the launcher) share each container
   * cgroup this agent created or adopted and has not removed yet.
   */
  private final java.util.Map<String, Integer> holders = new java.util.concurrent.ConcurrentHashMap<>();

  Hierarchy(String subsystem, CgroupFs fs, String root, CgroupKernel.Lock lock, boolean v2) {
    this.subsystem = subsystem;
    this.fs = fs;
    this.root = root;
    this.lock = lock;
    this.v2 = v2;
  }

  /** Whether this is the cgroup v2 unified hierarchy (its controllers use the v2 files). */
  public boolean v2() {
    return v2;
  }

  public String subsystem() {
    return subsystem;
  }

  public CgroupFs fs() {
    return fs;
  }

  /** The cgroup name of a container, relative to the hierarchy: {@code <root>/<id>}. */
  public String cgroup(String container) {
    return root + "/" + container;
  }

  /** The container cgroup's directory. */
  public Path path(String container) {
    return fs.root().resolve(cgroup(container));
  }

  /**
   * The names of the cgroups under the agent's root (one per container), without the v2 leaf
   * {@link #AGENT_LEAF} that holds the agent itself when it was started in its root.
   */
  public List<String> containers() {
    List<String> children = fs.children(root);
    return v2 ? children.stream().filter(c -> !c.equals(AGENT_LEAF)).toList() : children;
  }

  /**
   * Creates the container's cgroup; an existing one is refused as Mesos does. On v2 every
   * {@code cgroups/*} isolator and the launcher share this one hierarchy and the container's one
   * cgroup: the first creates it, the others find it created (by this agent, since its start)
   * and each becomes one more holder; {@link #destroy} removes it when the last one lets go, so
   * no holder's cleanup finds it gone (an OOM kill stays readable until {@code cgroups/mem}'s).
   */
  public void create(String container) {
    if (v2 && holders.computeIfPresent(container, (c, n) -> n + 1) != null) {
      return;
    }
    if (fs.exists(cgroup(container))) {
      throw new IsolatorException("Failed to prepare: the cgroup at '" + path(container)
          + "' already exists");
    }
    fs.mkdir(cgroup(container));
    if (v2) {
      holders.put(container, 1);
    }
  }

  /** Recovery: one more holder of a container cgroup that exists (see {@link #create}). */
  public void adopt(String container) {
    if (v2) {
      holders.merge(container, 1, Integer::sum);
    }
  }

  /**
   * The file an init writes "0" into to join the container's cgroup by itself
   * ({@code LaunchPlan.join_cgroups}): {@code tasks} of a v1 hierarchy; empty for v2, whose
   * threads file cannot move a process between domain cgroups.
   */
  public java.util.Optional<String> joinFile(String container) {
    return v2 ? java.util.Optional.empty()
        : java.util.Optional.of(path(container).resolve("tasks").toString());
  }

  /** Moves a process into the container's cgroup, unless it is there already (it joined). */
  public void assign(String container, int pid) {
    try {
      fs.attach(cgroup(container), pid);
    } catch (LinuxException e) {
      throw new IsolatorException("Failed to assign container '" + container + "' pid " + pid
          + " to cgroup at '" + path(container) + "': " + e.getMessage(), e);
    }
  }

  /**
   * Removes the container's cgroup (absent: nothing to do); on v2 only once its last holder lets
   * go (an unheld one, an orphan, at once). rmdir is retried on EBUSY with
   * exponential backoff until {@code timeout} (the kernel may still be tearing the last task
   * down); a process still listed is SIGKILLed first. Past the timeout it fails naming the pids
   * that are left.
   */
  public void destroy(String container, Processes processes, Duration timeout) {
    String cgroup = cgroup(container);
    if (v2 && holders.computeIfPresent(container, (c, n) -> n > 1 ? n - 1 : null) != null) {
      return; // another holder still uses it
    }
    if (!fs.exists(cgroup)) {
      return;
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    long backoffMillis = 1;
    while (true) {
      try {
        fs.rmdir(cgroup);
        return;
      } catch (LinuxException e) {
        if (e.errno() == Errno.ENOENT) {
          return;
        }
        if (e.errno() != Errno.EBUSY) {
          throw new IsolatorException("Failed to remove cgroup '" + path(container) + "': "
              + e.getMessage(), e);
        }
        List<Integer> left = fs.exists(cgroup) ? fs.procs(cgroup) : List.of();
        if (System.nanoTime() >= deadline) {
          throw new IsolatorException("Failed to remove cgroup '" + path(container) + "': "
              + e.getMessage() + (left.isEmpty() ? "" : "; processes left: " + left), e);
        }
        for (int pid : left) {
          LOG.warn("Killing pid {} left in cgroup '{}'", pid, path(container));
          try {
            processes.kill(pid, SIGKILL);
          } catch (LinuxException gone) {
            LOG.debug("pid {} is already gone: {}", pid, gone.getMessage());
          }
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(backoffMillis));
        backoffMillis = Math.min(backoffMillis * 2, 250);
      }
    }
  }

  /** Releases the root lock (agent shutdown, tests). */
  void release() {
    lock.close();
  }
}
