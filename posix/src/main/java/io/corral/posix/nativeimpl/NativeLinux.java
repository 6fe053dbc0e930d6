package io.corral.posix.nativeimpl;

import io.corral.posix.Linux;
import io.corral.posix.cgroup.NativeCgroupFs;

/**
 * Assembles the real kernel facade: jnr-ffi {@link NativeProcesses}, {@link NativeProcFs} over
 * {@code /proc} and {@link NativeCgroupFs} for any hierarchy. Called once, by the composition
 * root in {@code ops} (via {@link Linux#nativeDefault()}); libc is loaded there, not statically.
 */
public final class NativeLinux {
  private NativeLinux() {}

  public static Linux create() {
    return new Linux(NativeProcesses.create(), new NativeProcFs(), NativeCgroupFs::new);
  }
}
