package io.corral.posix;

import io.corral.posix.cgroup.CgroupFs;
import io.corral.posix.cgroup.CgroupKernel;

/**
 * The kernel as Corral sees it: one bundle of small role interfaces, real ({@code nativeDefault})
 * or fake ({@code FakeLinux} in the posix test-jar). Wired once in {@code ops} and passed down;
 * nothing below ops loads libc itself.
 *
 * @param processes process verbs (signals, pidfds)
 * @param proc the process table under {@code /proc}
 * @param cgroups opens a cgroup hierarchy by its mount point ({@code cgroups().at(root)})
 * @param cgroupKernel cgroup verbs beyond file I/O (mount, lock, OOM events)
 * @param quotas XFS project ids and project quotas ({@code disk/xfs})
 */
public record Linux(Processes processes, ProcFs proc, CgroupFs.Factory cgroups,
    CgroupKernel cgroupKernel, Quotas quotas) {

  /** A facade without the quota verbs (they fail with {@link UnsupportedOperationException}). */
  public Linux(Processes processes, ProcFs proc, CgroupFs.Factory cgroups, CgroupKernel cgroupKernel) {
    this(processes, proc, cgroups, cgroupKernel, null);
  }

  /** A facade without the cgroup kernel verbs (they fail with {@link UnsupportedOperationException}). */
  public Linux(Processes processes, ProcFs proc, CgroupFs.Factory cgroups) {
    this(processes, proc, cgroups, null);
  }

  /** The cgroup kernel verbs; throws when this facade was built without them. */
  @Override
  public CgroupKernel cgroupKernel() {
    if (cgroupKernel == null) {
      throw new UnsupportedOperationException("This Linux facade has no cgroup kernel verbs");
    }
    return cgroupKernel;
  }

  /** The quota verbs; throws when this facade was built without them. */
  @Override
  public Quotas quotas() {
    if (quotas == null) {
      throw new UnsupportedOperationException("This Linux facade has no quota verbs");
    }
    return quotas;
  }

  /**
   * This facade with another way to open cgroup hierarchies (a wrapping one, for fault
   * injection) and everything else unchanged.
   */
  public Linux withCgroups(CgroupFs.Factory replaced) {
    return new Linux(processes, proc, replaced, cgroupKernel, quotas);
  }

  /** The real kernel through jnr-ffi. */
  public static Linux nativeDefault() {
    return io.corral.posix.nativeimpl.NativeLinux.create();
  }
}
