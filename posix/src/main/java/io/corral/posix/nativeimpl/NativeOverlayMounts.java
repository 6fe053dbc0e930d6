package io.corral.posix.nativeimpl;

import io.corral.posix.BindMounts;
import io.corral.posix.Errno;
import io.corral.posix.LinuxException;
import io.corral.posix.OverlayMounts;
import java.nio.file.Path;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;

/** {@link OverlayMounts} and {@link BindMounts} through jnr-ffi ({@link FileCalls}). Stateless; any thread. */
public final class NativeOverlayMounts implements OverlayMounts, BindMounts {
  private static final int MNT_DETACH = 2;
  private static final long MS_BIND = 4096;

  private final FileCalls calls;
  private final Runtime runtime;

  NativeOverlayMounts(FileCalls calls) {
    this.calls = calls;
    this.runtime = Runtime.getRuntime(calls);
  }

  /** Loads libc; call once per facade. */
  public static NativeOverlayMounts create() {
    return new NativeOverlayMounts(LibraryLoader.create(FileCalls.class).load("c"));
  }

  @Override
  public void mountOverlay(Path target, String options) {
    while (calls.mount("overlay", target.toString(), "overlay", 0, options) < 0) {
      retryOrThrow("mount", "src='overlay' dst='" + target + "' type='overlay' data='" + options + "'");
    }
  }

  @Override
  public void bind(Path source, Path target) {
    while (calls.mount(source.toString(), target.toString(), null, MS_BIND, null) < 0) {
      retryOrThrow("mount", "src='" + source + "' dst='" + target + "' flags=MS_BIND");
    }
  }

  @Override
  public void unmount(Path target, boolean detach) {
    while (calls.umount2(target.toString(), detach ? MNT_DETACH : 0) < 0) {
      retryOrThrow("umount2", "target='" + target + "'" + (detach ? " flags=MNT_DETACH" : ""));
    }
  }

  private void retryOrThrow(String syscall, String detail) {
    int errno = runtime.getLastError();
    if (errno != Errno.EINTR.code()) {
      throw new LinuxException(syscall, Errno.of(errno), detail);
    }
  }
}
