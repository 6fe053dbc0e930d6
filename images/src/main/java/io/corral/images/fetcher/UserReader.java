package io.corral.images.fetcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Whether the container's user may read a local file, as Mesos' fetcher running as that user
 * would find: every directory above the file searchable and the file readable by the owner,
 * group or other bits that apply to {@code uid}/{@code gid}. Root reads everything. Supplementary
 * groups are not consulted, so a file readable only through one is refused (stricter than Mesos).
 * Called on the resolved path, so links cannot lead elsewhere. Immutable; any thread.
 */
record UserReader(int uid, int gid) implements Downloader.Reader {
  /** Root, who reads everything (the cache's own files). */
  static final UserReader ROOT = new UserReader(0, 0);

  @Override
  public void checkReadable(Path real) throws FetchException {
    if (uid == 0) {
      return;
    }
    try {
      for (Path dir = real.getParent(); dir != null; dir = dir.getParent()) {
        if (!allows(dir, 1)) {
          throw denied(real, dir);
        }
      }
      if (!allows(real, 4)) {
        throw denied(real, real);
      }
    } catch (IOException e) {
      if (e instanceof FetchException f) {
        throw f;
      }
      throw new FetchException("Failed to read '" + real + "': " + Downloader.describe(e), e);
    }
  }

  /** Whether {@code bit} (4 read, 1 search) is granted to this user on {@code path}. */
  private boolean allows(Path path, int bit) throws IOException {
    int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    int owner = (Integer) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    int group = (Integer) Files.getAttribute(path, "unix:gid", LinkOption.NOFOLLOW_LINKS);
    int shift = owner == uid ? 6 : group == gid ? 3 : 0;
    return ((mode >> shift) & bit) != 0;
  }

  private FetchException denied(Path file, Path where) {
    return new FetchException("Failed to read '" + file + "': Permission denied for uid " + uid
        + (where.equals(file) ? "" : " (at '" + where + "')"));
  }
}
