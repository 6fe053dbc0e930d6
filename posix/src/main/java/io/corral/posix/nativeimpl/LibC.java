package io.corral.posix.nativeimpl;

import jnr.ffi.annotations.Variadic;

/**
 * The libc functions behind {@link NativeProcesses}, bound by jnr-ffi. Not an API: nothing
 * outside {@code nativeimpl} may use it, so no raw return value or errno leaves the package.
 * jnr-ffi saves errno after every call; read it with {@code Runtime.getRuntime(lib).getLastError()}
 * right after a -1.
 *
 * <p>NOTE: it is public only because jnr-ffi defines its generated implementation in its own
 * class loader, which cannot implement a package-private interface (IllegalAccessError).
 */
public interface LibC {
  int getpid();

  int geteuid();

  int kill(int pid, int signal);

  int close(int fd);

  /** syscall(2), for the calls glibc has no wrapper for in every version (pidfd_*). */
  @Variadic(fixedCount = 1)
  long syscall(long number, long arg1, long arg2, long arg3, long arg4);
}
