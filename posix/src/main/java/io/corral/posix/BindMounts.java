package io.corral.posix;

import java.nio.file.Path;

/**
 * Binding one file onto another and undoing it, all {@code network/cni} needs of mount(2) and
 * umount2(2): it keeps a container's network namespace alive by binding
 * {@code /proc/<pid>/ns/net} onto a file of the agent's (as {@code ip netns} does), so that the
 * namespace outlives the container's processes until the plugins' DEL has run.
 *
 * <p>Threading: blocking system calls; stateless, any thread. Failures are
 * {@link LinuxException}s: {@code mount src='/proc/7/ns/net' dst='/r/ns' flags=MS_BIND: ENOENT}.
 */
public interface BindMounts {

  /** Binds {@code source} onto {@code target} (an existing file or directory), not recursively. */
  void bind(Path source, Path target);

  /** Unmounts {@code target}; with {@code detach}, lazily ({@code MNT_DETACH}). */
  void unmount(Path target, boolean detach);

  /** The real kernel through jnr-ffi; loads libc, so call it once, in the composition root. */
  static BindMounts nativeDefault() {
    return io.corral.posix.nativeimpl.NativeOverlayMounts.create();
  }
}
