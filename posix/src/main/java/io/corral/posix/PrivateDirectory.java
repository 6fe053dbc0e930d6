package io.corral.posix;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * A directory only its owner may enter: mode 0700, owned by the agent's effective uid, and not a
 * symbolic link. The agent keeps the state it trusts (the runtime directory, the launch helper's
 * fallback copy) in such directories, so another user cannot plant or swap a file there first.
 * Stateless; any thread.
 */
public final class PrivateDirectory {
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

  private PrivateDirectory() {}

  /**
   * Creates {@code dir} and any missing parents with mode 0700, then checks that {@code dir} is
   * a directory (not a link to one) owned by {@code uid}, and takes away any access of its group
   * and others.
   *
   * @throws FileSystemException naming {@code dir}, with the reason as its {@code getReason()}
   *     (e.g. {@code owned by uid 1001, not 1000}), when it is not or cannot be made private
   */
  public static Path ensure(Path dir, int uid) throws IOException {
    Path absolute = dir.toAbsolutePath().normalize();
    createMissing(absolute);
    if (!Files.isDirectory(absolute, LinkOption.NOFOLLOW_LINKS)) {
      throw new FileSystemException(absolute.toString(), null, "not a directory (or a symbolic link)");
    }
    int owner = (Integer) Files.getAttribute(absolute, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    if (owner != uid) {
      throw new FileSystemException(absolute.toString(), null, "owned by uid " + owner + ", not " + uid);
    }
    Set<PosixFilePermission> mode = Files.getPosixFilePermissions(absolute, LinkOption.NOFOLLOW_LINKS);
    if (!OWNER_ONLY.equals(mode)) {
      Files.setPosixFilePermissions(absolute, OWNER_ONLY);
    }
    return absolute;
  }

  /** mkdir 0700 of each missing component, from the top; one that appears meanwhile is fine. */
  private static void createMissing(Path dir) throws IOException {
    if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Path parent = dir.getParent();
    if (parent != null) {
      createMissing(parent);
    }
    try {
      Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    } catch (java.nio.file.FileAlreadyExistsException e) {
      return; // made by someone else between the check and mkdir: ensure() checks whose it is
    }
    if (!OWNER_ONLY.equals(Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS))) {
      Files.setPosixFilePermissions(dir, EnumSet.copyOf(OWNER_ONLY)); // the umask may have cut it
    }
  }
}
