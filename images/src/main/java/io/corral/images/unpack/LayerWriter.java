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
 *
 * <p>The root is empty when the writer starts, so a name in a directory the writer made, and not
 * written before, cannot exist: its lstat is skipped (were something there after all, the create
 * fails rather than overwrite it). A node made in such a directory belongs to whoever the first
 * node made was owned by (the process' file system ids: the directories made here are not setgid
 * until {@link #finish}, and the root is checked not to be), so its owner is set only when the
 * layer asks for another one. These save three of the five system calls a symbolic link took.
 */
final class LayerWriter {
  private static final int DEFAULT_DIRECTORY_MODE = 0755;
  private static final int SETGID = 02000;

  private final Path root;
  private final FileNodes nodes;
  /** Names known to be real directories below the root. */
  private final Set<String> directories = new HashSet<>();
  /** Names of the non-directories written so far, which a hard link may point to. */
  private final Set<String> linkable = new HashSet<>();
  /** Metadata of the directory entries, applied by {@link #finish}. */
  private final Map<String, NodeMetadata> directoryMetadata = new LinkedHashMap<>();
  /** Directories this writer made (the root, empty at the start, counts), not setgid. */
  private final Set<String> fresh = new HashSet<>();
  /** Every name written so far, of any type. */
  private final Set<String> written = new HashSet<>();
  /** The owner of a node made in a fresh directory ({uid, gid}), learned from the first; null before. */
  private int[] newOwner;

  LayerWriter(Path root, FileNodes nodes) throws IOException {
    this.root = root;
    this.nodes = nodes;
    int rootMode = (Integer) Files.getAttribute(root, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    if ((rootMode & SETGID) == 0) {
      fresh.add("");
    }
  }

  void directory(String name, NodeMetadata metadata) throws IOException {
    Path path = replace(name, true);
    if (!directories.contains(name) && !Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
      Files.createDirectory(path);
      made(name, true);
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
    metadata.applyTo(path, nodes, false, ownerToSet(name, path, metadata));
    linkable.add(name);
  }

  void symlink(String name, String target, NodeMetadata metadata) throws IOException {
    Path path = replace(name, false);
    Files.createSymbolicLink(path, Path.of(target));
    metadata.applyTo(path, nodes, true, ownerToSet(name, path, metadata));
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
    metadata.applyTo(path, nodes, false, true);
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
      if (!directories.contains(name) && !Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
        createDefaultDirectory(path);
        made(name, true);
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
    boolean absent = fresh.contains(EntryNames.parent(name)) && !written.contains(name);
    BasicFileAttributes existing = absent ? null : lstat(path);
    if (existing != null && !(directory && existing.isDirectory())) {
      FileTrees.delete(path);
      forget(name);
    }
    written.add(name);
    return path;
  }

  /** Records a directory this writer made; it is fresh if its parent is (and so not setgid). */
  private void made(String name, boolean directory) {
    written.add(name);
    if (directory && fresh.contains(EntryNames.parent(name))) {
      fresh.add(name);
    }
  }

  /**
   * Whether the node just made at {@code name} needs its owner set: not if it was made in a fresh
   * directory and the layer asks for the owner such nodes get (learned from the first one).
   */
  private boolean ownerToSet(String name, Path path, NodeMetadata metadata) throws IOException {
    if (!fresh.contains(EntryNames.parent(name))) {
      return true;
    }
    if (newOwner == null) {
      Map<String, Object> owner = Files.readAttributes(path, "unix:uid,gid", LinkOption.NOFOLLOW_LINKS);
      newOwner = new int[] {(Integer) owner.get("uid"), (Integer) owner.get("gid")};
    }
    return metadata.uid() != newOwner[0] || metadata.gid() != newOwner[1];
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
        made(walked, true);
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
    fresh.removeIf(d -> d.equals(name) || d.startsWith(below));
    written.removeIf(d -> d.equals(name) || d.startsWith(below));
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
