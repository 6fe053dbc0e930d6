package io.corral.testkit;

import io.corral.posix.Linux;
import io.corral.posix.LinuxException;
import io.corral.posix.cgroup.CgroupFs;
import java.nio.file.Path;
import java.util.List;

/**
 * A cgroup hierarchy with {@link Faults} in front of its writes: when a
 * {@link Faults#failCgroupWrite} rule strikes the file (and the cgroup's container), the write
 * throws the {@link LinuxException} the real one would, e.g. {@code write
 * path='/sys/fs/cgroup/memory/corral/c1/memory.limit_in_bytes': EBUSY (Device or resource busy)},
 * and writes nothing. Everything else goes to the wrapped hierarchy. Thread-safe, like it.
 */
final class FaultyCgroupFs implements CgroupFs {
  private final CgroupFs fs;
  private final Faults faults;

  private FaultyCgroupFs(CgroupFs fs, Faults faults) {
    this.fs = fs;
    this.faults = faults;
  }

  /** {@code linux} with every hierarchy it opens wrapped. */
  static Linux wrap(Linux linux, Faults faults) {
    return linux.withCgroups(root -> new FaultyCgroupFs(linux.cgroups().at(root), faults));
  }

  @Override
  public Path root() {
    return fs.root();
  }

  @Override
  public boolean exists(String cgroup) {
    return fs.exists(cgroup);
  }

  @Override
  public void mkdir(String cgroup) {
    fs.mkdir(cgroup);
  }

  @Override
  public void rmdir(String cgroup) {
    fs.rmdir(cgroup);
  }

  @Override
  public void write(String cgroup, String file, String value) {
    check(cgroup, file);
    fs.write(cgroup, file, value);
  }

  @Override
  public String read(String cgroup, String file) {
    return fs.read(cgroup, file);
  }

  @Override
  public List<String> children(String cgroup) {
    return fs.children(cgroup);
  }

  @Override
  public List<Integer> procs(String cgroup) {
    return fs.procs(cgroup);
  }

  @Override
  public void assign(String cgroup, int pid) {
    check(cgroup, "cgroup.procs");
    fs.assign(cgroup, pid);
  }

  /** Fails as {@link #assign} would, even for a process that joined the cgroup by itself. */
  @Override
  public void attach(String cgroup, int pid) {
    check(cgroup, "cgroup.procs");
    fs.attach(cgroup, pid);
  }

  private void check(String cgroup, String file) {
    Faults.Rule rule = faults.strike(Faults.Kind.CGROUP_WRITE, file, null, cgroup);
    if (rule != null) {
      Path path = fs.root().resolve(cgroup).resolve(file);
      throw new LinuxException("write", rule.errno, "path='" + path + "'");
    }
  }
}
