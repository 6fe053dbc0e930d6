package io.corral.isolators;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Paths that must stay inside a directory (a rootfs, a sandbox) even though the directory's
 * content, an image's symlinks in particular, is not the agent's: the agent reads and creates
 * them on the host, before the container pivots, where an absolute link would mean the host's
 * tree. Reads the filesystem on the caller's thread.
 */
public final class Confined {
  private Confined() {}

  /**
   * Checks that the deepest existing part of {@code path}, every symlink resolved, lies in
   * {@code root} (resolved too); what does not exist yet will be created as plain directories
   * or a file. A dangling link is refused.
   *
   * @param what how a message names {@code root} ("the rootfs", "the sandbox")
   * @param original the path as the request named it, for the message
   * @throws IsolatorException {@code Failed to prepare: path 'x' escapes the rootfs '...' (it
   *     resolves to '...')}
   */
  public static void check(Path path, Path root, String what, String original) {
    Path existing = path;
    while (!Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
      existing = existing.getParent();
    }
    boolean dangling = Files.isSymbolicLink(existing) && !Files.exists(existing);
    try {
      Path real = dangling ? existing : existing.toRealPath();
      if (dangling || !real.startsWith(root.toRealPath())) {
        throw new IsolatorException("Failed to prepare: path '" + original + "' escapes "
            + what + " '" + root + "' (it resolves to '" + real + "')");
      }
    } catch (IOException e) {
      throw new IsolatorException("Failed to prepare: cannot resolve path '" + original + "': "
          + e, e);
    }
  }

  /**
   * The file {@code relative} of {@code root}, symlinks resolved, to read from the host; a
   * missing file is returned as is (readers treat it as empty).
   *
   * @throws IsolatorException when it resolves outside {@code root}
   */
  public static Path file(Path root, String relative) {
    Path path = root.resolve(relative);
    if (!Files.exists(path)) {
      return path;
    }
    check(path, root, "the rootfs", "/" + relative);
    try {
      return path.toRealPath();
    } catch (IOException e) {
      throw new IsolatorException("Failed to prepare: cannot resolve path '/" + relative + "': "
          + e, e);
    }
  }
}
