package io.corral.posix.nativeimpl;

/**
 * The libc functions behind {@link NativeFileNodes} and {@link NativeOverlayMounts}, bound by
 * jnr-ffi (glibc exports {@code mknod} itself since 2.33). Not an API: nothing outside
 * {@code nativeimpl} uses it. Public only because jnr-ffi's generated class lives in its own
 * class loader (see {@link LibC}).
 */
public interface FileCalls {
  int mknod(String path, int mode, long dev);

  int lsetxattr(String path, String name, @jnr.ffi.annotations.In byte[] value, long size, int flags);

  long lgetxattr(String path, String name, @jnr.ffi.annotations.Out byte[] value, long size);

  long llistxattr(String path, @jnr.ffi.annotations.Out byte[] list, long size);

  /** utimensat(2); {@code times} is two {@code struct timespec}s as four longs. */
  int utimensat(int dirfd, String path, @jnr.ffi.annotations.In long[] times, int flags);

  int open(String path, int flags);

  int close(int fd);

  int syncfs(int fd);

  int mount(String source, String target, String type, long flags, String data);

  int umount2(String target, int flags);
}
