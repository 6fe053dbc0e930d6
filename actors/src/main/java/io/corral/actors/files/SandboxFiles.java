package io.corral.actors.files;

import io.corral.actors.Layout;
import io.corral.proto.v1.FileInfo;
import io.corral.proto.v1.TimeInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Mesos' files service ({@code src/files/files.cpp}) over the sandboxes of the agent's
 * containers: a virtual path names a file of a sandbox, or the agent's log; this class resolves
 * it to a real file that stays inside what was attached, lists directories and reads files.
 *
 * <p>The virtual paths: every container the containerizer knows (running, or terminated and not
 * yet removed) has its sandbox attached twice, as Mesos attaches an executor's directory under a
 * short virtual name and under its own path: {@code /containers/<id>} and
 * {@code <work_dir>/containers/<id>}. The agent's log file, when there is one, is
 * {@code /slave/log} (Mesos' {@code AGENT_LOG_VIRTUAL_PATH}). A path under an attached sandbox
 * is resolved with {@code realpath}, and refused as inaccessible when the result leaves the
 * sandbox ({@code ..}, or a symlink pointing out); a {@code ..} that leaves it is refused before
 * the file system is asked, so that a refusal says nothing of what exists outside (Mesos answers
 * 404 for a missing file there). A path under nothing attached is not found.
 *
 * <p>Threading: stateless apart from its configuration; every method but {@link #attached}
 * touches the file system and blocks, so callers run it on the blocking dispatcher.
 */
public final class SandboxFiles {
  /** The virtual directory of the sandboxes: {@code /containers/<id>}. */
  public static final String CONTAINERS = "/containers";
  /** The virtual path of the agent's log, as in Mesos. */
  public static final String AGENT_LOG = "/slave/log";
  /** The most one read returns: 16 pages, as Mesos caps it. */
  public static final int MAX_READ = 16 * 4096;

  private final Layout layout;
  private final Optional<Path> agentLog;

  /**
   * @param layout where the sandboxes are
   * @param agentLog the agent's log file to attach at {@link #AGENT_LOG}, if any
   */
  public SandboxFiles(Layout layout, Optional<Path> agentLog) {
    this.layout = layout;
    this.agentLog = agentLog;
  }

  /**
   * Files for an agent whose sandboxes are not known to the HTTP side (an embedding that did not
   * give its layout): every path is not found.
   */
  public static SandboxFiles none() {
    Path nowhere = Path.of("/nonexistent");
    return new SandboxFiles(new Layout(nowhere, nowhere), Optional.empty());
  }

  /** What a virtual path names: one container's sandbox (and a path in it), or the agent log. */
  public sealed interface Target {
    /** The real file or directory. */
    Path file();
  }

  /** A file of the sandbox of {@code containerId}; {@code suffix} is empty for the sandbox. */
  public record InSandbox(String containerId, Path sandbox, String suffix) implements Target {
    @Override
    public Path file() {
      return suffix.isEmpty() ? sandbox : sandbox.resolve(suffix);
    }
  }

  /** The agent's log file. */
  public record AgentLog(Path file) implements Target {}

  /** What one read returned: the file's size and up to {@link #MAX_READ} bytes from the offset. */
  public record Chunk(long size, byte[] data) {}

  /**
   * Which attachment {@code virtualPath} is under, before anything is read: the agent log, or a
   * sandbox of a container in {@code known}. Empty when it is under nothing attached.
   */
  public Optional<Target> attached(String virtualPath, Set<String> known) {
    String path = trimmed(virtualPath.startsWith("file://")
        ? virtualPath.substring("file://".length()) : virtualPath);
    if (agentLog.isPresent() && (path.equals(AGENT_LOG) || path.startsWith(AGENT_LOG + "/"))) {
      return path.equals(AGENT_LOG) ? Optional.of(new AgentLog(agentLog.get())) : Optional.empty();
    }
    for (String root : List.of(CONTAINERS, layout.sandboxes().toString())) {
      if (!path.startsWith(root + "/")) {
        continue;
      }
      String rest = path.substring(root.length() + 1);
      int slash = rest.indexOf('/');
      String id = slash < 0 ? rest : rest.substring(0, slash);
      if (!known.contains(id)) {
        return Optional.empty();
      }
      String suffix = slash < 0 ? "" : rest.substring(slash + 1).replaceFirst("^/+", "");
      return Optional.of(new InSandbox(id, layout.sandbox(id), suffix));
    }
    return Optional.empty();
  }

  /** The virtual paths attached for {@code known} and their real paths, as {@code /files/debug}. */
  public Map<String, String> debug(Set<String> known) {
    Map<String, String> paths = new TreeMap<>();
    agentLog.ifPresent(log -> paths.put(AGENT_LOG, log.toString()));
    for (String id : known) {
      String sandbox = layout.sandbox(id).toString();
      paths.put(CONTAINERS + "/" + id, sandbox);
      paths.put(sandbox, sandbox);
    }
    return paths;
  }

  /**
   * The real path of {@code target}, resolved as Mesos' {@code resolve}: a path in a sandbox
   * through {@code realpath}, and refused when it leaves the sandbox.
   *
   * @throws FilesException NOT_FOUND when nothing is there, INVALID when the path leaves the
   *     sandbox or cannot be resolved
   */
  public Path resolve(Target target) throws FilesException {
    if (target instanceof AgentLog log) {
      return real(log.file(), log.file());
    }
    InSandbox in = (InSandbox) target;
    if (!in.file().normalize().startsWith(in.sandbox())) {
      // Refused whether or not the file outside exists, so that nothing can be learnt of it.
      throw new FilesException(FilesException.Kind.INVALID, "'" + in.file() + "' is inaccessible");
    }
    Path root = real(in.sandbox(), in.sandbox());
    Path real = real(in.file(), in.file());
    if (!real.startsWith(root)) {
      throw new FilesException(FilesException.Kind.INVALID, "'" + in.file() + "' is inaccessible");
    }
    return real;
  }

  /**
   * The entries of the directory {@code target} names, sorted by path, each with its virtual
   * path ({@code virtualPath/<name>}); empty for a file, as in Mesos. An entry whose {@code stat}
   * fails (it vanished) is left out; a symlink out of the sandbox is described as a link.
   */
  public List<FileInfo> browse(Target target, String virtualPath) throws FilesException {
    Path dir = resolve(target);
    String base = trimmed(virtualPath);
    List<FileInfo> listing = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return listing;
    }
    Path root = target instanceof InSandbox in ? real(in.sandbox(), in.sandbox()) : dir;
    try (Stream<Path> entries = Files.list(dir)) {
      Path[] sorted = entries.sorted().toArray(Path[]::new);
      Arrays.stream(sorted).forEach(entry -> info(entry, base + "/" + entry.getFileName(),
          inside(entry, root)).ifPresent(listing::add));
    } catch (NoSuchFileException | NotDirectoryException e) {
      return listing;
    } catch (IOException e) {
      throw new FilesException(FilesException.Kind.UNKNOWN,
          "Failed to list '" + dir + "': " + e.getMessage());
    }
    return listing;
  }

  /**
   * Up to {@code length} bytes (all to the end when absent, never more than {@link #MAX_READ})
   * of the file {@code target} names, from {@code offset}; no data when the offset is at or past
   * the end.
   *
   * @throws FilesException INVALID for a directory, NOT_FOUND, or UNKNOWN when it cannot be read
   */
  public Chunk read(Target target, long offset, OptionalLong length) throws FilesException {
    Path file = file(target, "read");
    try (FileChannel channel = open(file)) {
      long size = channel.size();
      long wanted = Math.min(length.orElse(Math.max(0, size - offset)), MAX_READ);
      if (offset >= size || wanted <= 0) {
        return new Chunk(size, new byte[0]);
      }
      ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(wanted, size - offset));
      while (buffer.hasRemaining() && channel.read(buffer, offset + buffer.position()) > 0) {
        // reads until the buffer is full or the file ends
      }
      return new Chunk(size, Arrays.copyOf(buffer.array(), buffer.position()));
    } catch (IOException e) {
      throw new FilesException(FilesException.Kind.UNKNOWN,
          "Failed to open file at '" + file + "': " + e.getMessage());
    }
  }

  /** Whether {@code entry}, symlinks followed, is inside {@code root}. */
  private static boolean inside(Path entry, Path root) {
    try {
      return entry.toRealPath().startsWith(root);
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * The real path of {@code target}'s file, to be opened with {@link #open}; refused for a
   * directory.
   *
   * @throws FilesException as {@link #resolve}, and INVALID for a directory
   */
  public Path file(Target target, String verb) throws FilesException {
    Path file = resolve(target);
    if (Files.isDirectory(file)) {
      throw new FilesException(FilesException.Kind.INVALID, "Cannot " + verb + " a directory");
    }
    return file;
  }

  /**
   * Opens a resolved (symlink-free) path for reading with {@code O_NOFOLLOW}: a symlink that
   * replaced the file since it was resolved is refused ({@code ELOOP}).
   */
  public static FileChannel open(Path real) throws IOException {
    return FileChannel.open(real, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
  }

  /**
   * Mesos' {@code createFileInfo}: {@code stat} of {@code file}, symlinks followed when
   * {@code follow} (a link out of the sandbox is described as the link itself, so that a
   * listing says nothing of what is outside).
   */
  static Optional<FileInfo> info(Path file, String virtualPath, boolean follow) {
    LinkOption[] options = follow ? new LinkOption[0] : new LinkOption[] {LinkOption.NOFOLLOW_LINKS};
    try {
      PosixFileAttributes posix = Files.readAttributes(file, PosixFileAttributes.class, options);
      Map<String, Object> unix = Files.readAttributes(file, "unix:mode,nlink", options);
      return Optional.of(FileInfo.newBuilder()
          .setPath(virtualPath)
          .setNlink((Integer) unix.get("nlink"))
          .setSize(posix.size())
          .setMtime(TimeInfo.newBuilder()
              .setNanoseconds(posix.lastModifiedTime().toMillis() * 1_000_000L))
          .setMode((Integer) unix.get("mode"))
          .setUid(posix.owner().getName())
          .setGid(posix.group().getName())
          .build());
    } catch (IOException | UnsupportedOperationException e) {
      return Optional.empty();
    }
  }

  private static Path real(Path path, Path shown) throws FilesException {
    try {
      return path.toRealPath();
    } catch (NoSuchFileException e) {
      throw new FilesException(FilesException.Kind.NOT_FOUND, "");
    } catch (IOException e) {
      throw new FilesException(FilesException.Kind.INVALID,
          "Failed to determine canonical path of '" + shown + "': " + e.getMessage());
    }
  }

  private static String trimmed(String path) {
    String p = path;
    while (p.length() > 1 && p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    return p;
  }
}
