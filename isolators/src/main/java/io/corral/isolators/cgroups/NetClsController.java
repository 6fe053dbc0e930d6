package io.corral.isolators.cgroups;

import io.corral.posix.cgroup.CgroupFs;

/**
 * The v1 {@code net_cls} subsystem of one cgroup: the 32-bit {@code net_cls.classid}
 * ({@code 0xAAAABBBB}: primary handle, secondary handle). Stateless; any thread.
 */
public final class NetClsController {
  private final CgroupFs fs;
  private final String cgroup;

  public NetClsController(CgroupFs fs, String cgroup) {
    this.fs = fs;
    this.cgroup = cgroup;
  }

  public static long classid(int primary, int secondary) {
    return ((long) primary << 16) | secondary;
  }

  public void setClassid(long classid) {
    fs.write(cgroup, "net_cls.classid", Long.toString(classid));
  }

  /** The classid as the kernel reports it (decimal); 0 when none is set. */
  public long classid() {
    return Long.parseLong(fs.read(cgroup, "net_cls.classid").trim());
  }
}
