package io.corral.ops;

import io.corral.posix.MountSafeDelete;
import io.corral.posix.PrivateDirectory;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The agent's own directories: created and checked for writing at start, so a bad
 * {@code --work_dir} stops the command with a clear message instead of failing the first launch;
 * and {@code corral run}'s temporary work directory removed at exit. Called from the main thread
 * or a shutdown hook.
 */
final class Directories {
  private Directories() {}

  /**
   * Creates {@code dir} (and its parents) if missing and proves it writable by creating and
   * deleting a file in it.
   *
   * @param what names the directory in the message, e.g. {@code work}
   * @throws StartupException {@code Failed to create work directory '/x': <cause>}
   */
  static void ensureWritable(String what, Path dir) {
    try {
      Files.createDirectories(dir);
      Files.delete(Files.createTempFile(dir, ".corral-probe-", ""));
    } catch (IOException | SecurityException e) {
      throw new StartupException("Failed to create " + what + " directory '" + dir + "': " + describe(e), e);
    }
  }

  /**
   * As {@link #ensureWritable}, for a directory only this user may enter
   * ({@link PrivateDirectory}): created 0700, owned by this process's effective uid, below
   * directories no other user can rename it out of.
   *
   * @throws StartupException {@code Failed to use runtime directory '/x': owned by uid 0, not 1000}
   */
  static void ensurePrivate(String what, Path dir) {
    try {
      PrivateDirectory.ensure(dir, Host.effectiveUid());
    } catch (IOException | SecurityException e) {
      throw new StartupException("Failed to use " + what + " directory '" + dir + "': " + describe(e), e);
    }
    ensureWritable(what, dir);
  }

  /**
   * Deletes {@code dir} and everything below it, without following symbolic links or descending
   * into a mount point ({@link MountSafeDelete}).
   *
   * @return the mount points left in place
   */
  static List<Path> deleteRecursively(Path dir) throws IOException {
    return MountSafeDelete.deleteRecursively(dir);
  }

  /** The strerror-like cause of a failed file operation, without the path repeated. */
  static String describe(Exception e) {
    if (e instanceof AccessDeniedException) {
      return "Permission denied";
    }
    if (e instanceof FileAlreadyExistsException) {
      return "File exists";
    }
    if (e instanceof NoSuchFileException) {
      return "No such file or directory";
    }
    if (e instanceof FileSystemException f && f.getReason() != null) {
      return f.getReason();
    }
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }
}
