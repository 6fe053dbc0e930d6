package io.corral.isolators.disk;

import io.corral.isolators.IsolatorException;
import io.corral.posix.Errno;
import io.corral.posix.LinuxException;
import io.corral.posix.Quotas;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The project ids of the sandboxes under {@code <work_dir>/containers}: gives a sandbox the
 * lowest free id of the range, set with {@code PROJINHERIT} on the sandbox and everything already
 * in it (so whatever the container creates later is charged to it too), and takes it off again.
 * An id is never handed out while a directory still carries it: the first {@link #assign} (or
 * {@link #scan}) reads the id of every existing sandbox, which makes this correct across agent
 * restarts, and {@link #release} clears the files bottom-up, the sandbox itself last, so a crash
 * half-way leaves the id marked. Symlinks are not followed and only directories and regular files
 * are labelled (opening a device node or FIFO has side effects). Thread-safe; blocking.
 */
final class SandboxProjects {
  private static final Logger LOG = LoggerFactory.getLogger(SandboxProjects.class);

  private final Quotas quotas;
  private final Path sandboxes;
  private final ProjectIds ids;
  private boolean scanned;

  SandboxProjects(Quotas quotas, Path sandboxes, ProjectRange range) {
    this.quotas = quotas;
    this.sandboxes = sandboxes;
    this.ids = new ProjectIds(range);
  }

  /**
   * Marks the ids every existing sandbox carries (once; later calls return at once).
   *
   * @return the sandboxes found carrying an id of the range, by id
   */
  synchronized Map<Long, Path> scan() {
    if (scanned) {
      return ids.taken();
    }
    if (Files.isDirectory(sandboxes)) {
      try (DirectoryStream<Path> dirs = Files.newDirectoryStream(sandboxes)) {
        for (Path dir : dirs) {
          if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            continue;
          }
          long id = Integer.toUnsignedLong(quotas.project(dir).id());
          if (id != 0 && !ids.reserve(id, dir)) {
            LOG.warn("Sandbox '{}' carries project id {}, outside --xfs_project_range", dir, id);
          }
        }
      } catch (IOException e) {
        throw new IsolatorException("Failed to list the sandboxes in '" + sandboxes + "': " + e, e);
      }
    }
    scanned = true;
    LOG.info("Found {} sandboxes with an XFS project id under '{}'; {} ids free",
        ids.taken().size(), sandboxes, ids.free());
    return ids.taken();
  }

  /** Gives {@code sandbox} a free id, set recursively with PROJINHERIT; undone on failure. */
  long assign(Path sandbox) {
    scan();
    long id = ids.allocate(sandbox, this::carries)
        .orElseThrow(() -> new IsolatorException("Failed to assign project ID, range exhausted"));
    try {
      label(sandbox, (int) id);
      return id;
    } catch (RuntimeException e) {
      try {
        release(sandbox, id);
      } catch (RuntimeException undo) {
        e.addSuppressed(undo);
      }
      throw e;
    }
  }

  /**
   * Clears the id from the sandbox and everything in it, then frees it; a missing sandbox just
   * frees it. On failure the id stays taken.
   */
  void release(Path sandbox, long id) {
    if (Files.exists(sandbox, LinkOption.NOFOLLOW_LINKS)) {
      walk(sandbox, true, 0);
    }
    ids.free(id);
  }

  /** The id {@code sandbox} carries, 0 for none. */
  long carried(Path sandbox) {
    return Integer.toUnsignedLong(quotas.project(sandbox).id());
  }

  /** How many ids are free now. */
  long freeIds() {
    return ids.free();
  }

  private boolean carries(long id, Path dir) {
    try {
      return Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) && carried(dir) == id;
    } catch (LinuxException e) {
      return e.errno() != Errno.ENOENT;
    }
  }

  private void label(Path sandbox, int id) {
    walk(sandbox, false, id);
  }

  private void walk(Path root, boolean bottomUp, int id) {
    try {
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
          if (!bottomUp) {
            set(dir, id, true, dir.equals(root));
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
          if (attrs.isRegularFile()) {
            set(file, id, false, false);
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
          if (e instanceof NoSuchFileException) {
            return FileVisitResult.CONTINUE; // removed while we walked
          }
          throw e;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
          if (e != null && !(e instanceof NoSuchFileException)) {
            throw e;
          }
          if (bottomUp) {
            set(dir, id, false, dir.equals(root));
          }
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new IsolatorException("Failed to " + (bottomUp ? "clear" : "set")
          + " the project id of '" + root + "': " + e, e);
    }
  }

  private void set(Path path, int id, boolean inherit, boolean root) {
    try {
      quotas.setProject(path, id, inherit);
    } catch (LinuxException e) {
      if (root || e.errno() != Errno.ENOENT) {
        throw e;
      }
    }
  }
}
