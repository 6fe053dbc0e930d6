package io.corral.posix;

import com.google.protobuf.MessageLite;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Checkpoint files replaced whole: a reader, or a restart after a crash at any point, sees the old
 * file or the new one, never a part. The message is written to a sibling {@code <name>.tmp},
 * renamed over the target, and the temp file is removed if the write fails. Callers serialize
 * writes of one target; any thread.
 */
public final class AtomicFiles {
  /** The suffix of the temp file beside a target; recovery may delete such leftovers. */
  public static final String TEMP_SUFFIX = ".tmp";

  private AtomicFiles() {}

  /**
   * Replaces {@code target} so that it survives a power loss too: the temp file is forced to disk
   * before the rename and the directory after it.
   */
  public static void writeDurably(Path target, MessageLite message) throws IOException {
    replace(target, message, true);
  }

  /**
   * Replaces {@code target} atomically for processes (an agent killed at any point), without
   * forcing anything to disk: for records a lost power would make obsolete anyway, where the
   * cost of two flushes on a launch path is not worth paying.
   */
  public static void write(Path target, MessageLite message) throws IOException {
    replace(target, message, false);
  }

  private static void replace(Path target, MessageLite message, boolean force) throws IOException {
    Path temp = target.resolveSibling(target.getFileName() + TEMP_SUFFIX);
    try {
      try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        OutputStream stream = Channels.newOutputStream(out);
        message.writeTo(stream);
        stream.flush();
        if (force) {
          out.force(true);
        }
      }
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(temp);
      throw e;
    }
    if (force) {
      try (FileChannel dir = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
        dir.force(true);
      }
    }
  }
}
