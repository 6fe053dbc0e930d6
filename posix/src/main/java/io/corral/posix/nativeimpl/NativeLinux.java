package io.corral.posix.nativeimpl;

import io.corral.posix.Linux;
import io.corral.posix.cgroup.NativeCgroupFs;
import jnr.ffi.LibraryLoader;

/**
 * Assembles the real kernel facade: jnr-ffi {@link NativeProcesses}, {@link NativeProcFs} over
 * {@code /proc}, {@link NativeCgroupFs} for any hierarchy, {@link NativeCgroupKernel} and
 * {@link NativeQuotas}, the jnr-ffi roles sharing one loaded libc. Called once, by the composition root in {@code ops}
 * (via {@link Linux#nativeDefault()}); libc is loaded there, not statically.
 */
public final class NativeLinux {
  private NativeLinux() {}

  public static Linux create() {
    LibC libc = LibraryLoader.create(LibC.class).load("c");
    return new Linux(new NativeProcesses(libc), new NativeProcFs(), NativeCgroupFs::new,
        new NativeCgroupKernel(libc), new NativeQuotas(libc));
  }
}
