package io.corral.posix.cgroup;

import java.nio.file.Path;
import java.util.List;

/**
 * The control files of one cgroup hierarchy, under a root {@link Path}: a v1 hierarchy such as
 * {@code /sys/fs/cgroup/pids} or a v2 unified mount. Cgroups are named relative to the root
 * ({@code corral/abc}); the empty name is the root itself. Names may not be absolute or contain
 * {@code ..} (an {@link IllegalArgumentException}).
 *
 * <p>Every method blocks on the kernel and runs on the caller's thread (a blocking dispatcher in
 * the agent). Failures are a {@link io.corral.posix.LinuxException} naming the operation, the
 * errno and the path, e.g. {@code write path='/sys/fs/cgroup/pids/x/pids.max': EINVAL (Invalid
 * argument)}. Implementations are stateless apart from their root and are thread-safe.
 */
public interface CgroupFs {

  /** Opens the hierarchy mounted at a root; one per {@link io.corral.posix.Linux}. */
  @FunctionalInterface
  interface Factory {
    CgroupFs at(Path root);
  }

  /** The hierarchy's mount point. */
  Path root();

  /** Whether the cgroup's directory exists. */
  boolean exists(String cgroup);

  /** mkdir(2) of one cgroup; its parent must exist (EEXIST if it exists already). */
  void mkdir(String cgroup);

  /** rmdir(2) of one cgroup; EBUSY while it has processes or child cgroups. No retry here. */
  void rmdir(String cgroup);

  /** Writes a value to a control file with one write(2), as the kernel wants it. */
  void write(String cgroup, String file, String value);

  /** The content of a control file, without its trailing newline. */
  String read(String cgroup, String file);

  /** The names of the cgroup's child cgroups (its subdirectories), sorted. */
  List<String> children(String cgroup);

  /** The pids in the cgroup's {@code cgroup.procs}, in the kernel's order. */
  List<Integer> procs(String cgroup);

  /** Moves a process into the cgroup: writes its pid to {@code cgroup.procs}. */
  default void assign(String cgroup, int pid) {
    write(cgroup, "cgroup.procs", Integer.toString(pid));
  }

  /**
   * Makes sure a process is in the cgroup: one already listed in its {@code cgroup.procs} (an
   * init that joined by itself, see {@code LaunchPlan.join_cgroups}) is left where it is, any
   * other is {@link #assign assigned}. Moving a process by pid waits for an RCU grace period;
   * reading the list does not.
   */
  default void attach(String cgroup, int pid) {
    if (!procs(cgroup).contains(pid)) {
      assign(cgroup, pid);
    }
  }

  /** Checks a cgroup name as described in the type's Javadoc and returns it. */
  static String checkName(String cgroup) {
    if (cgroup == null || cgroup.startsWith("/")
        || java.util.Arrays.asList(cgroup.split("/")).contains("..")) {
      throw new IllegalArgumentException("Invalid cgroup name '" + cgroup + "'");
    }
    return cgroup;
  }
}
