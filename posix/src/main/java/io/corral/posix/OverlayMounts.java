package io.corral.posix;

import java.nio.file.Path;

/**
 * Mounting and unmounting an overlay file system, all the provisioner's overlay backend needs of
 * mount(2) and umount2(2).
 *
 * <p>Threading: blocking system calls; stateless, any thread. Failures are
 * {@link LinuxException}s: {@code mount src='overlay' dst='/r' type='overlay' data='...': EINVAL}.
 */
public interface OverlayMounts {

  /**
   * Mounts an overlay at {@code target} with the option string {@code options}
   * ({@code lowerdir=...,upperdir=...,workdir=...}), which the kernel reads as one page at most.
   */
  void mountOverlay(Path target, String options);

  /** Unmounts {@code target}; with {@code detach}, lazily ({@code MNT_DETACH}). */
  void unmount(Path target, boolean detach);

  /** The real kernel through jnr-ffi; loads libc, so call it once, in the composition root. */
  static OverlayMounts nativeDefault() {
    return io.corral.posix.nativeimpl.NativeOverlayMounts.create();
  }
}
