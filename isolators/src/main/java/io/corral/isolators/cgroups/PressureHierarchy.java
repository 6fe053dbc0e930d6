package io.corral.isolators.cgroups;

import io.corral.posix.Errno;
import io.corral.posix.Linux;
import io.corral.posix.LinuxException;
import io.corral.posix.MountInfo;
import io.corral.posix.cgroup.CgroupFs;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a container's pressure stall information comes from. The kernel keeps PSI per cgroup of
 * the v2 (default) hierarchy whatever controllers are enabled there, so on a host that runs the
 * controllers on v1 hierarchies but also mounts cgroup2 (systemd's "hybrid" layout, usually at
 * {@code /sys/fs/cgroup/unified}) a container placed into a cgroup2 cgroup of its own gets its
 * own figures. That mount is {@code --cgroups_pressure_hierarchy}: {@code auto} takes the first
 * cgroup2 mount in the agent's mount table, {@code none} turns this off, a path names the mount
 * (and must be one). The agent's {@code --cgroups_root} is created and locked there as on the
 * controllers' hierarchies ({@link Hierarchies}).
 *
 * <p>Policy: an explicit mount that is not cgroup2 or cannot be prepared stops the agent; with
 * {@code auto} a missing mount or one the agent cannot prepare (read-only, or the root locked by
 * another agent) only turns pressure off, with one log line, so that nothing else changes on a
 * v1 host. A kernel without PSI (no {@code cpu.pressure} in the root cgroup: no
 * {@code CONFIG_PSI}, or {@code psi=0}) turns it off too, logged once; the hybrid root is then
 * released and removed again. Called once, at agent start, under the {@link Hierarchies} lock.
 */
final class PressureHierarchy {
  private static final Logger LOG = LoggerFactory.getLogger(PressureHierarchy.class);

  private PressureHierarchy() {}

  /** The v1 host's cgroup2 mount, prepared with {@code prepare}; empty when there is none. */
  static Optional<Hierarchy> hybrid(Linux linux, CgroupsConfig config, Path mountinfo,
      Function<CgroupFs, Hierarchy> prepare) {
    String flag = config.pressureHierarchy();
    if (flag.equals(CgroupsConfig.PRESSURE_NONE)) {
      LOG.info("Not reporting pressure stall information: --cgroups_pressure_hierarchy=none");
      return Optional.empty();
    }
    boolean auto = flag.equals(CgroupsConfig.PRESSURE_AUTO);
    Optional<Path> mount = auto ? cgroup2Mount(mountinfo) : Optional.of(Path.of(flag));
    if (mount.isEmpty()) {
      LOG.info("Not reporting pressure stall information: no cgroup2 mount in '{}'", mountinfo);
      return Optional.empty();
    }
    CgroupFs fs = linux.cgroups().at(mount.get());
    if (!readable(fs, "", "cgroup.controllers")) {
      return refuse(auto, "'" + mount.get() + "' is not a cgroup2 mount (no cgroup.controllers)",
          null);
    }
    Hierarchy hierarchy;
    try {
      hierarchy = prepare.apply(fs);
    } catch (IllegalArgumentException e) {
      return refuse(auto, e.getMessage(), e);
    }
    LOG.info("Containers get a cgroup under '{}' for their pressure stall information",
        fs.root().resolve(config.root()));
    return checked(linux, config, hierarchy, true);
  }

  /** {@code hierarchy} when its root cgroup has {@code cpu.pressure}; else empty, logged. */
  static Optional<Hierarchy> checked(Linux linux, CgroupsConfig config, Hierarchy hierarchy,
      boolean release) {
    if (readable(hierarchy.fs(), config.root(), "cpu.pressure")) {
      return Optional.of(hierarchy);
    }
    LOG.info("The kernel reports no pressure stall information ('{}' does not exist: a kernel"
        + " without CONFIG_PSI, or booted with psi=0): cpu_pressure, memory_pressure and"
        + " io_pressure are not reported", hierarchy.fs().root().resolve(config.root())
        .resolve("cpu.pressure"));
    if (release) {
      hierarchy.release();
      try {
        hierarchy.fs().rmdir(config.root());
      } catch (LinuxException e) {
        LOG.debug("Left '{}' in place: {}", hierarchy.fs().root().resolve(config.root()),
            e.getMessage());
      }
    }
    return Optional.empty();
  }

  /** The first cgroup2 mount point in a mount table (empty if none or unreadable). */
  static Optional<Path> cgroup2Mount(Path mountinfo) {
    try {
      return MountInfo.read(mountinfo).stream().filter(e -> e.fsType().equals("cgroup2"))
          .map(MountInfo.Entry::mountPoint).findFirst();
    } catch (IOException e) {
      LOG.warn("Failed to read '{}': {}", mountinfo, e.getMessage());
      return Optional.empty();
    }
  }

  private static Optional<Hierarchy> refuse(boolean auto, String why, Exception cause) {
    if (!auto) {
      throw new IllegalArgumentException("Failed to prepare --cgroups_pressure_hierarchy: " + why,
          cause);
    }
    LOG.warn("Not reporting pressure stall information: {}", why);
    return Optional.empty();
  }

  private static boolean readable(CgroupFs fs, String cgroup, String file) {
    try {
      fs.read(cgroup, file);
      return true;
    } catch (LinuxException e) {
      if (e.errno() != Errno.ENOENT) {
        LOG.debug("Failed to read '{}': {}", fs.root().resolve(cgroup).resolve(file),
            e.getMessage());
      }
      return false;
    }
  }
}
