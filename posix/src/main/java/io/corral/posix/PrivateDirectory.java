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
 * A directory only its owner may enter: mode 0700, owned by the agent's effective uid, not a
 * symbolic link, and below directories that no other user can rename it out of. The agent keeps the state it trusts (the runtime directory, the launch helper's
 * fallback copy) in such directories, so another user cannot plant or swap a file there first.
 * Stateless; any thread.
 */
public final class PrivateDirectory {
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");
  private static final int WRITABLE_BY_OTHERS = 0022;
  private static final int STICKY = 01000;

  private PrivateDirectory() {}

  /**
   * Creates {@code dir} and any missing parents with mode 0700, then checks that {@code dir} is
   * a directory (not a link to one) owned by {@code uid}, takes away any access of its group and
   * others, and checks every ancestor (links resolved) is owned by root or {@code uid} and
   * writable by no one else unless sticky.
   *
   * @throws FileSystemException naming {@code dir}, with the reason as its {@code getReason()}
   *     (e.g. {@code owned by uid 1001, not 1000}), when it is not or cannot be made private
   */
  public static Path ensure(Path dir, int uid) throws IOException {
    Path absolute = dir.toAbsolutePath().normalize();
    Path existing = absolute.getParent();
    if (existing == null) {
      throw new FileSystemException(absolute.toString(), null, "the root directory cannot be private");
    }
    while (!Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
      existing = existing.getParent();
    }
    for (Path up = existing.toRealPath(); up != null; up = up.getParent()) {
      checkAncestor(up, uid); // before anything is created below it
    }
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

  /**
   * Whoever may rename entries of an ancestor could swap the directory for one of theirs: each
   * must be owned by root or {@code uid}, and writable by no one else unless sticky ({@code /tmp}).
   */
  private static void checkAncestor(Path dir, int uid) throws IOException {
    int owner = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    int mode = (Integer) Files.getAttribute(dir, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    if (owner != 0 && owner != uid) {
      throw new FileSystemException(dir.toString(), null, "its ancestor '" + dir + "' is owned by uid " + owner + ", neither root nor " + uid);
    }
    if ((mode & WRITABLE_BY_OTHERS) != 0 && (mode & STICKY) == 0) {
      throw new FileSystemException(dir.toString(), null, "its ancestor '" + dir + "' is writable by others and not sticky");
    }
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
