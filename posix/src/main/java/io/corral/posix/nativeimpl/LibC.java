package io.corral.posix.nativeimpl;

import jnr.ffi.annotations.Variadic;

/**
 * The libc functions behind {@link NativeProcesses}, bound by jnr-ffi. Package-private: nothing
 * outside {@code nativeimpl} sees a raw return value or errno. jnr-ffi saves errno after every
 * call; read it with {@code Runtime.getRuntime(lib).getLastError()} right after a -1.
 */
interface LibC {
  int getpid();

  int geteuid();

  int kill(int pid, int signal);

  int close(int fd);

  /** syscall(2), for the calls glibc has no wrapper for in every version (pidfd_*). */
  @Variadic(fixedCount = 1)
  long syscall(long number, long arg1, long arg2, long arg3, long arg4);
}
