package io.corral.posix;

import io.corral.posix.cgroup.CgroupFs;

/**
 * The kernel as Corral sees it: one bundle of small role interfaces, real ({@code nativeDefault})
 * or fake ({@code FakeLinux} in the posix test-jar). Wired once in {@code ops} and passed down;
 * nothing below ops loads libc itself.
 *
 * @param processes process verbs (signals, pidfds)
 * @param proc the process table under {@code /proc}
 * @param cgroups opens a cgroup hierarchy by its mount point ({@code cgroups().at(root)})
 */
public record Linux(Processes processes, ProcFs proc, CgroupFs.Factory cgroups) {

  /** The real kernel through jnr-ffi. */
  public static Linux nativeDefault() {
    return io.corral.posix.nativeimpl.NativeLinux.create();
  }
}
