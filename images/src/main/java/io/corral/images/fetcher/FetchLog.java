package io.corral.images.fetcher;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/**
 * The fetcher's own log in the sandbox, where Mesos' fetcher writes it: before anything is
 * fetched, {@code stdout} and {@code stderr} are created in the sandbox (0644, owned by the
 * container's user) and the log lines are appended to {@code stderr}, in glog's form
 * ({@code I1207 01:02:03.456789 <pid> fetcher] Fetching URI '...'}); the container's own output
 * follows them. Used by one fetch on one thread.
 */
final class FetchLog implements AutoCloseable {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("MMdd HH:mm:ss.SSSSSS");
  private static final long PID = ProcessHandle.current().pid();

  private final OutputStream err;

  private FetchLog(OutputStream err) {
    this.err = err;
  }

  /** Creates the sandbox's {@code stdout} and {@code stderr} owned by {@code owner}, and opens the log. */
  static FetchLog open(Path sandbox, Owner owner) throws IOException {
    Path out = sandbox.resolve("stdout");
    Path errPath = sandbox.resolve("stderr");
    for (Path p : new Path[] {out, errPath}) {
      if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
        Files.newOutputStream(p, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
            LinkOption.NOFOLLOW_LINKS).close();
        Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
      }
      owner.chown(p);
    }
    return new FetchLog(Files.newOutputStream(errPath, StandardOpenOption.APPEND, LinkOption.NOFOLLOW_LINKS));
  }

  void info(String message) {
    line('I', message);
  }

  void warning(String message) {
    line('W', message);
  }

  void error(String message) {
    line('E', message);
  }

  private void line(char level, String message) {
    String text = level + LocalDateTime.now().format(TIME) + " " + PID + " fetcher] " + message + "\n";
    try {
      err.write(text.getBytes(StandardCharsets.UTF_8));
      err.flush();
    } catch (IOException e) {
      // the log is a courtesy to the task: a full disk must not hide the fetch's own error
    }
  }

  @Override
  public void close() throws IOException {
    err.close();
  }

  /** Who owns what the fetcher writes: the sandbox's owner, the command's user. */
  record Owner(int uid, int gid) {
    static Owner of(Path sandbox) throws IOException {
      return new Owner((Integer) Files.getAttribute(sandbox, "unix:uid", LinkOption.NOFOLLOW_LINKS),
          (Integer) Files.getAttribute(sandbox, "unix:gid", LinkOption.NOFOLLOW_LINKS));
    }

    /** Gives {@code path} (not a link's target) to this owner. */
    void chown(Path path) throws IOException {
      Files.setAttribute(path, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
      Files.setAttribute(path, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
    }

    /** Gives {@code root} and everything under it to this owner. */
    void chownTree(Path root) throws IOException {
      try (var paths = Files.walk(root)) {
        for (Path p : (Iterable<Path>) paths::iterator) {
          chown(p);
        }
      }
    }
  }
}
