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

  int open(String path, int flags);

  /** open(2) with a mode, for O_CREAT. */
  @Variadic(fixedCount = 2)
  int open(String path, int flags, int mode);

  /** fcntl(2) with an int argument (F_DUPFD_CLOEXEC). */
  @Variadic(fixedCount = 2)
  int fcntl(int fd, int cmd, int arg);

  int memfd_create(String name, int flags);

  int pipe2(@jnr.ffi.annotations.Out int[] fds, int flags);

  int waitpid(int pid, @jnr.ffi.annotations.Out int[] status, int options);

  /**
   * posix_spawn(3); returns an error number, not -1 and errno. {@code argv} and {@code envp} are
   * passed NULL-terminated by jnr-ffi.
   */
  int posix_spawn(@jnr.ffi.annotations.Out int[] pid, String path, jnr.ffi.Pointer fileActions,
      jnr.ffi.Pointer attributes, String[] argv, String[] envp);

  int posix_spawn_file_actions_init(jnr.ffi.Pointer fileActions);

  int posix_spawn_file_actions_adddup2(jnr.ffi.Pointer fileActions, int fd, int newFd);

  int posix_spawn_file_actions_destroy(jnr.ffi.Pointer fileActions);

  int posix_spawnattr_init(jnr.ffi.Pointer attributes);

  int posix_spawnattr_setflags(jnr.ffi.Pointer attributes, short flags);

  int posix_spawnattr_setsigmask(jnr.ffi.Pointer attributes, jnr.ffi.Pointer set);

  int posix_spawnattr_setsigdefault(jnr.ffi.Pointer attributes, jnr.ffi.Pointer set);

  int posix_spawnattr_destroy(jnr.ffi.Pointer attributes);

  int sigemptyset(jnr.ffi.Pointer set);

  int epoll_create1(int flags);

  /** epoll_ctl(2) with {@code struct epoll_event} packed in bytes (see {@link PidfdExits}). */
  int epoll_ctl(int epfd, int op, int fd, @jnr.ffi.annotations.In byte[] event);

  int epoll_wait(int epfd, @jnr.ffi.annotations.Out byte[] events, int maxEvents, int timeout);

  int flock(int fd, int operation);

  int eventfd(int initval, int flags);

  long read(int fd, @jnr.ffi.annotations.Out byte[] buffer, long count);

  long write(int fd, @jnr.ffi.annotations.In byte[] buffer, long count);

  /** poll(2) over {@code struct pollfd}s packed as int pairs: fd, then events | revents << 16. */
  int poll(@jnr.ffi.annotations.In @jnr.ffi.annotations.Out int[] fds, long nfds, int timeout);

  int mount(String source, String target, String type, long flags, String data);

  /** syscall(2), for the calls glibc has no wrapper for in every version (pidfd_*). */
  @Variadic(fixedCount = 1)
  long syscall(long number, long arg1, long arg2, long arg3, long arg4);

  /** ioctl(2) with a struct argument passed by reference (FS_IOC_FSGETXATTR and friends). */
  @Variadic(fixedCount = 2)
  int ioctl(int fd, long request, @jnr.ffi.annotations.In @jnr.ffi.annotations.Out byte[] arg);

  /** quotactl(2); {@code addr} is the command's struct (fs_disk_quota, fs_quota_stat). */
  int quotactl(int cmd, String special, int id, @jnr.ffi.annotations.In @jnr.ffi.annotations.Out byte[] addr);

  /** statfs(2) into a buffer at least as large as {@code struct statfs}. */
  int statfs(String path, @jnr.ffi.annotations.Out byte[] buf);
}
