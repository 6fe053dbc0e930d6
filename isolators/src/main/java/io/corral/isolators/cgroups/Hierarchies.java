package io.corral.isolators.cgroups;

import io.corral.posix.Errno;
import io.corral.posix.Linux;
import io.corral.posix.LinuxException;
import io.corral.posix.cgroup.CgroupFs;
import io.corral.posix.cgroup.CgroupKernel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The v1 hierarchies the agent's {@code cgroups/*} isolators share, prepared once at agent start
 * (Mesos' {@code cgroups::prepare}): for each subsystem, {@code <hierarchy>/<subsystem>} is
 * mounted when it is not, the root cgroup {@code <root>} is created when missing, written once
 * ({@code notify_on_release = 0}) to prove the agent can write it, and locked with flock(2) on
 * its directory. The lock lives in the kernel with the agent's open descriptor: a second live
 * agent (or a second containerizer in the same process) with the same root and hierarchy is
 * refused at start, and a crashed agent's lock goes away with it. Co-mounted subsystems (for
 * example {@code cpu,cpuacct} behind symlinks) share one {@link Hierarchy} and one lock.
 *
 * <p>When {@code --cgroups_hierarchy} is itself a cgroup v2 mount (it has
 * {@code cgroup.controllers}), every subsystem maps onto that one unified hierarchy (cpuacct onto
 * the cpu controller); each controller must be available there and is enabled in
 * {@code cgroup.subtree_control} down to the root, the agent first moving itself out of any
 * cgroup on that path into a leaf {@code agent} beside (v2 lets only leaves hold processes).
 * {@code net_cls} is refused: v2 has no such controller. Nothing is mounted on v2.
 *
 * <p>Every failure is an {@link IllegalArgumentException} meant to stop the agent, with the path
 * and errno. Threading: created on the agent's start thread; afterwards read-only.
 */
public final class Hierarchies implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Hierarchies.class);

  private final Linux linux;
  private final CgroupsConfig config;
  private final Map<String, Hierarchy> bySubsystem = new LinkedHashMap<>();
  private final Map<Path, Hierarchy> byMount = new LinkedHashMap<>();
  private final Path mountinfo;
  private Boolean unified;
  private java.util.Optional<Hierarchy> pressure;

  public Hierarchies(Linux linux, CgroupsConfig config) {
    this(linux, config, io.corral.posix.MountInfo.SELF);
  }

  /** With the mount table read from {@code mountinfo} (tests) to find a cgroup2 mount. */
  Hierarchies(Linux linux, CgroupsConfig config, Path mountinfo) {
    this.linux = linux;
    this.config = config;
    this.mountinfo = mountinfo;
  }

  /**
   * The hierarchy that holds the containers' cgroup v2 cgroups, whose {@code *.pressure} files
   * the {@code cgroups/*} isolators report, prepared on first use and logged once: on a v2 host
   * the unified hierarchy itself; on a v1 host the cgroup2 mount of
   * {@code --cgroups_pressure_hierarchy} (see {@link PressureHierarchy}); empty without one, or
   * when the kernel has no pressure stall information.
   */
  public synchronized java.util.Optional<Hierarchy> pressure() {
    if (pressure == null) {
      pressure = unified()
          ? PressureHierarchy.checked(linux, config, byMount.computeIfAbsent(
              realPath(config.hierarchy()),
              m -> prepareRoot("pressure", linux.cgroups().at(config.hierarchy()), true)), false)
          : PressureHierarchy.hybrid(linux, config, mountinfo,
              fs -> prepareRoot("pressure", fs, true));
    }
    return pressure;
  }

  public CgroupsConfig config() {
    return config;
  }

  public Linux linux() {
    return linux;
  }

  /** The prepared hierarchy of a subsystem, preparing it on first use. */
  public synchronized Hierarchy get(String subsystem) {
    Hierarchy known = bySubsystem.get(subsystem);
    if (known != null) {
      return known;
    }
    if (unified()) {
      Hierarchy hierarchy = unifiedController(subsystem);
      bySubsystem.put(subsystem, hierarchy);
      return hierarchy;
    }
    Path mount = config.hierarchy().resolve(subsystem);
    CgroupFs fs = linux.cgroups().at(mount);
    if (!mounted(fs)) {
      LOG.info("Mounting the '{}' cgroup hierarchy at '{}'", subsystem, mount);
      try {
        linux.cgroupKernel().mountV1(mount, subsystem);
      } catch (LinuxException e) {
        throw refuse("mount the '" + subsystem + "' hierarchy at '" + mount + "'", e);
      }
    }
    Path real = realPath(mount);
    Hierarchy shared = byMount.get(real);
    if (shared == null) {
      shared = prepareRoot(subsystem, fs, false);
      byMount.put(real, shared);
    }
    bySubsystem.put(subsystem, shared);
    return shared;
  }

  /** Whether {@code --cgroups_hierarchy} is a cgroup v2 mount (it has cgroup.controllers). */
  public synchronized boolean unifiedHierarchy() {
    return unified();
  }

  private boolean unified() {
    if (unified == null) {
      unified = controllers(linux.cgroups().at(config.hierarchy())) != null;
    }
    return unified;
  }

  private static String controllers(CgroupFs fs) {
    try {
      return fs.read("", "cgroup.controllers");
    } catch (LinuxException e) {
      return null;
    }
  }

  /**
   * A v1 subsystem on the v2 unified hierarchy: cpuacct is part of the cpu controller; net_cls
   * has no v2 controller and is refused. The controller must be available at the hierarchy's
   * root and is enabled in {@code cgroup.subtree_control} from the top down to the agent's root,
   * so that container cgroups get its files.
   */
  private Hierarchy unifiedController(String subsystem) {
    Path mount = config.hierarchy();
    if (subsystem.equals("net_cls")) {
      throw new IllegalArgumentException("Failed to prepare the 'net_cls' controller: net_cls"
          + " exists only in cgroup v1 and '" + mount + "' is a cgroup v2 (unified) hierarchy");
    }
    CgroupFs fs = linux.cgroups().at(mount);
    if (subsystem.equals("freezer")) {
      // v2 has no freezer controller: every non-root cgroup has cgroup.freeze (kernel 5.2).
      Hierarchy shared = byMount.computeIfAbsent(realPath(mount),
          m -> prepareRoot("freezer", fs, true));
      if (!readable(fs, config.root(), "cgroup.freeze")) {
        throw new IllegalArgumentException("Failed to prepare the freezer: '" + mount.resolve(
            config.root()).resolve("cgroup.freeze") + "' does not exist (kernel before 5.2)");
      }
      return shared;
    }
    String controller = subsystem.equals("cpuacct") ? "cpu" : subsystem;
    String available = controllers(fs);
    if (!java.util.Arrays.asList(available.trim().split("\\s+")).contains(controller)) {
      throw new IllegalArgumentException("Failed to prepare the '" + controller
          + "' controller: it is not in '" + mount.resolve("cgroup.controllers") + "' ("
          + available.trim() + ")");
    }
    Hierarchy shared = byMount.get(realPath(mount));
    if (shared == null) {
      shared = prepareRoot(controller, fs, true);
      byMount.put(realPath(mount), shared);
    }
    try {
      String partial = "";
      for (String part : ("/" + config.root()).split("/")) {
        partial = partial.isEmpty() ? part : partial + "/" + part;
        if (!partial.isEmpty()) {
          leaveForLeaf(fs, partial);
        }
        fs.write(partial, "cgroup.subtree_control", "+" + controller);
      }
    } catch (LinuxException e) {
      throw refuse("enable the '" + controller + "' controller under '" + mount + "'", e);
    }
    return shared;
  }

  /**
   * v2's "no internal processes" rule: a non-root cgroup that enables controllers for its
   * children may hold no process itself. An agent started in one of the cgroups on the way to
   * its root (its unit's cgroup under systemd with {@code Delegate=yes}, or the root itself)
   * moves itself into the leaf {@code <that cgroup>/agent} first, as Mesos does; a leaf directly
   * under the root is not a container ({@link Hierarchy#containers}).
   */
  private void leaveForLeaf(CgroupFs fs, String cgroup) {
    int self = linux.processes().getpid();
    if (!fs.procs(cgroup).contains(self)) {
      return;
    }
    String leaf = cgroup + "/" + Hierarchy.AGENT_LEAF;
    if (!fs.exists(leaf)) {
      fs.mkdir(leaf);
    }
    fs.assign(leaf, self);
    LOG.info("Moved the agent (pid {}) into cgroup '{}': '{}' enables controllers for its children",
        self, fs.root().resolve(leaf), fs.root().resolve(cgroup));
  }

  Hierarchy prepareRoot(String subsystem, CgroupFs fs, boolean v2) {
    Path rootPath = fs.root().resolve(config.root());
    try {
      String partial = "";
      for (String part : config.root().split("/")) {
        partial = partial.isEmpty() ? part : partial + "/" + part;
        if (!fs.exists(partial)) {
          fs.mkdir(partial);
        }
      }
      if (!v2) {
        fs.write(config.root(), "notify_on_release", "0");
      }
    } catch (LinuxException e) {
      throw refuse("prepare cgroups root '" + rootPath + "'", e);
    }
    CgroupKernel.Lock lock;
    try {
      lock = linux.cgroupKernel().lockDirectory(rootPath);
    } catch (LinuxException e) {
      if (e.errno() == Errno.EAGAIN) {
        throw new IllegalArgumentException("Failed to lock cgroups root '" + rootPath
            + "': another live agent owns it (give each agent its own --cgroups_root): "
            + e.getMessage(), e);
      }
      throw refuse("lock cgroups root '" + rootPath + "'", e);
    }
    return new Hierarchy(subsystem, fs, config.root(), lock, v2);
  }

  private static boolean readable(CgroupFs fs, String cgroup, String file) {
    try {
      fs.read(cgroup, file);
      return true;
    } catch (LinuxException e) {
      return false;
    }
  }

  private static boolean mounted(CgroupFs fs) {
    try {
      fs.read("", "cgroup.procs");
      return true;
    } catch (LinuxException e) {
      return false;
    }
  }

  private static Path realPath(Path mount) {
    try {
      return mount.toRealPath();
    } catch (IOException e) {
      return mount; // a fake hierarchy: not on disk
    }
  }

  private static IllegalArgumentException refuse(String what, LinuxException e) {
    return new IllegalArgumentException("Failed to " + what + ": " + e.getMessage(), e);
  }

  /**
   * Removes the root cgroup {@code config.root()} (one level, empty) from the v2 hierarchy at
   * {@code config.hierarchy()} or from every v1 hierarchy under it (symlinked co-mounts are
   * visited once, through their real directory) and from the pressure hierarchy
   * ({@link PressureHierarchy}): what a temporary containerizer such as
   * {@code corral run} does at exit, after its containers are gone and its locks released.
   *
   * @return one line per root that could not be removed, with the path and errno
   */
  public static java.util.List<String> removeRoot(Linux linux, CgroupsConfig config) {
    java.util.List<Path> candidates = new java.util.ArrayList<>(java.util.List.of(config.hierarchy()));
    try (java.util.stream.Stream<Path> children = java.nio.file.Files.list(config.hierarchy())) {
      children.filter(p -> java.nio.file.Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS))
          .forEach(candidates::add);
    } catch (IOException | java.io.UncheckedIOException e) {
      return java.util.List.of("Failed to list '" + config.hierarchy() + "': " + e.getMessage());
    }
    String pressure = config.pressureHierarchy();
    if (!pressure.equals(CgroupsConfig.PRESSURE_NONE)) {
      (pressure.equals(CgroupsConfig.PRESSURE_AUTO)
          ? PressureHierarchy.cgroup2Mount(io.corral.posix.MountInfo.SELF)
          : java.util.Optional.of(Path.of(pressure)))
          .filter(m -> !candidates.contains(m)).ifPresent(candidates::add);
    }
    java.util.List<String> failures = new java.util.ArrayList<>();
    for (Path mount : candidates) {
      CgroupFs fs = linux.cgroups().at(mount);
      try {
        if (fs.exists(config.root())) {
          fs.rmdir(config.root());
        }
      } catch (LinuxException e) {
        failures.add("Failed to remove cgroups root '" + mount.resolve(config.root()) + "': "
            + e.getMessage());
      }
    }
    return failures;
  }

  /** Releases every root lock. */
  @Override
  public synchronized void close() {
    if (pressure != null) {
      pressure.filter(p -> !byMount.containsValue(p)).ifPresent(Hierarchy::release);
    }
    byMount.values().forEach(Hierarchy::release);
    byMount.clear();
    bySubsystem.clear();
  }
}
