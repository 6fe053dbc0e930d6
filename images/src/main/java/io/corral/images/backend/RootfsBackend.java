package io.corral.images.backend;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Mesos' {@code --image_provisioner_backend}: makes one container's root filesystem from an
 * image's unpacked layers, which stay read-only and shared, and removes it again.
 */
public interface RootfsBackend {

  /** {@code overlay} or {@code copy}, Mesos' names. */
  String name();

  /**
   * Makes the root filesystem from {@code layers} (unpacked directories, bottom layer first) in
   * {@code containerDir} (created by the caller, empty, private to the agent), and returns its
   * path. The container's writes land in {@code containerDir} only.
   */
  Path provision(List<Path> layers, Path containerDir) throws IOException;

  /** Unmounts and removes everything {@link #provision} made in {@code containerDir}; idempotent. */
  void destroy(Path containerDir) throws IOException;

  /**
   * Unmounts what {@link #provision} mounted in {@code containerDir}, deleting nothing, so that
   * the caller may move the directory away and delete it later; idempotent. Nothing to do for a
   * backend that mounts nothing.
   */
  default void unmount(Path containerDir) throws IOException {}
}
