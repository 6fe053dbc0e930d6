package io.corral.images.unpack;

import io.corral.posix.FileNodes;
import io.corral.posix.FileNodes.NodeType;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes the nodes of one layer below its root, by normalized names ({@link EntryNames}), never
 * through a symbolic link: every directory on the way to a node is checked with lstat (once, then
 * remembered; the root is private to the agent, so nothing else changes it meanwhile) and a
 * symbolic link there is refused. A later entry replaces an earlier one of the same name, unless
 * both are directories. Directory metadata is applied last ({@link #finish}), so writing into a
 * directory does not change the time the layer gave it. One writer per layer, one thread.
 */
final class LayerWriter {
  private static final int DEFAULT_DIRECTORY_MODE = 0755;

  private final Path root;
  private final FileNodes nodes;
  /** Names known to be real directories below the root. */
  private final Set<String> directories = new HashSet<>();
  /** Names of the non-directories written so far, which a hard link may point to. */
  private final Set<String> linkable = new HashSet<>();
  /** Metadata of the directory entries, applied by {@link #finish}. */
  private final Map<String, NodeMetadata> directoryMetadata = new LinkedHashMap<>();

  LayerWriter(Path root, FileNodes nodes) {
    this.root = root;
    this.nodes = nodes;
  }

  void directory(String name, NodeMetadata metadata) throws IOException {
    Path path = replace(name, true);
    if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
      Files.createDirectory(path);
    }
    directories.add(name);
    directoryMetadata.put(name, metadata);
  }

  void file(String name, InputStream content, NodeMetadata metadata) throws IOException {
    Path path = replace(name, false);
    try (OutputStream out = Files.newOutputStream(path, StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
      content.transferTo(out);
    }
    metadata.applyTo(path, nodes, false);
    linkable.add(name);
  }

  void symlink(String name, String target, NodeMetadata metadata) throws IOException {
    Path path = replace(name, false);
    Files.createSymbolicLink(path, Path.of(target));
    metadata.applyTo(path, nodes, true);
    linkable.add(name);
  }

  void hardLink(String name, String target) throws IOException {
    if (!linkable.contains(target) || target.equals(name)) {
      throw new UnsafeLayerException("entry '" + name + "' is a hard link to '" + target
          + "', which is not an earlier file of this layer");
    }
    Path targetPath = root.resolve(target);
    checkNoLinkOnTheWay(target);
    Path path = replace(name, false);
    Files.createLink(path, targetPath);
    linkable.add(name);
  }

  void node(String name, NodeType type, long major, long minor, NodeMetadata metadata) throws IOException {
    Path path = replace(name, false);
    nodes.mknod(path, type, metadata.mode() & 0777, major, minor);
    metadata.applyTo(path, nodes, false);
    linkable.add(name);
  }

  /** The overlayfs whiteout for {@code name}: a character device 0/0 (owned by root). */
  void whiteout(String name) throws IOException {
    Path path = replace(name, false);
    nodes.mknod(path, NodeType.CHARACTER_DEVICE, 0, 0, 0);
  }

  /** Marks the directory {@code name} (made if absent) opaque for overlayfs. */
  void opaque(String name) throws IOException {
    Path path = root;
    if (!name.isEmpty()) {
      path = replace(name, true);
      if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
        createDefaultDirectory(path);
      }
      directories.add(name);
    }
    nodes.setXattr(path, WhiteoutFormat.OPAQUE_XATTR, "y".getBytes(StandardCharsets.UTF_8));
  }

  /** Applies the directories' metadata, deepest first. */
  void finish() throws IOException {
    List<String> names = new ArrayList<>(directoryMetadata.keySet());
    names.sort((a, b) -> Integer.compare(depth(b), depth(a)));
    for (String name : names) {
      directoryMetadata.get(name).applyTo(root.resolve(name), nodes, false);
    }
  }

  /**
   * Makes the parents of {@code name} and removes what is at {@code name} unless it and the new
   * node are both directories; returns its path.
   */
  private Path replace(String name, boolean directory) throws IOException {
    makeParents(name);
    Path path = root.resolve(name);
    BasicFileAttributes existing = lstat(path);
    if (existing != null && !(directory && existing.isDirectory())) {
      FileTrees.delete(path);
      forget(name);
    }
    return path;
  }

  private void makeParents(String name) throws IOException {
    String parent = EntryNames.parent(name);
    if (parent.isEmpty() || directories.contains(parent)) {
      return;
    }
    String walked = "";
    for (String component : parent.split("/")) {
      walked = EntryNames.child(walked, component);
      if (directories.contains(walked)) {
        continue;
      }
      Path path = root.resolve(walked);
      BasicFileAttributes attrs = lstat(path);
      if (attrs == null) {
        createDefaultDirectory(path);
      } else {
        checkDirectory(name, walked, attrs);
      }
      directories.add(walked);
    }
  }

  /** Checks every directory on the way to {@code name} afresh (no cache). */
  private void checkNoLinkOnTheWay(String name) throws IOException {
    String walked = "";
    for (String component : name.split("/")) {
      walked = EntryNames.child(walked, component);
      BasicFileAttributes attrs = lstat(root.resolve(walked));
      if (attrs == null) {
        throw new NoSuchFileException(root.resolve(walked).toString());
      }
      if (!walked.equals(name)) {
        checkDirectory(name, walked, attrs);
      }
    }
  }

  private static void checkDirectory(String name, String on, BasicFileAttributes attrs) throws IOException {
    if (attrs.isSymbolicLink()) {
      throw new UnsafeLayerException("entry '" + name + "' lies under the symbolic link '" + on + "'");
    }
    if (!attrs.isDirectory()) {
      throw new IOException("entry '" + name + "' lies under '" + on + "', which is not a directory");
    }
  }

  /** A directory the layer did not list: mode 0755, owned by root (as Docker makes them). */
  private void createDefaultDirectory(Path path) throws IOException {
    Files.createDirectory(path);
    Files.setAttribute(path, "unix:mode", DEFAULT_DIRECTORY_MODE);
  }

  private void forget(String name) {
    String below = name + "/";
    directories.removeIf(d -> d.equals(name) || d.startsWith(below));
    linkable.removeIf(d -> d.equals(name) || d.startsWith(below));
    directoryMetadata.keySet().removeIf(d -> d.equals(name) || d.startsWith(below));
  }

  private static BasicFileAttributes lstat(Path path) throws IOException {
    try {
      return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  private static int depth(String name) {
    return name.split("/").length;
  }
}
