package io.corral.images.backend;

import io.corral.posix.FileNodes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What a test compares between two root filesystems: for every path, its type, mode, owner,
 * modification time, extended attributes (overlayfs' own {@code trusted.overlay.*} left out),
 * and by type the link count and a digest of the content, the link target or the device number.
 * Directory link counts are left out: overlayfs reports 1 for a merged directory.
 */
final class TreeSnapshot {
  private TreeSnapshot() {}

  static Map<String, String> of(Path root, FileNodes nodes) throws IOException {
    Map<String, String> tree = new TreeMap<>();
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : (Iterable<Path>) paths::iterator) {
        if (!path.equals(root)) {
          tree.put(root.relativize(path).toString(), describe(path, nodes));
        }
      }
    }
    return tree;
  }

  /** The paths whose descriptions differ, each with both ({@code left | right}, "-" when absent). */
  static Map<String, String> difference(Map<String, String> left, Map<String, String> right) {
    Map<String, String> differences = new TreeMap<>();
    java.util.Set<String> paths = new java.util.TreeSet<>(left.keySet());
    paths.addAll(right.keySet());
    for (String path : paths) {
      String l = left.getOrDefault(path, "-");
      String r = right.getOrDefault(path, "-");
      if (!l.equals(r)) {
        differences.put(path, l + " | " + r);
      }
    }
    return differences;
  }

  private static String describe(Path path, FileNodes nodes) throws IOException {
    Map<String, Object> a = Files.readAttributes(path, "unix:mode,uid,gid,nlink,rdev,lastModifiedTime",
        LinkOption.NOFOLLOW_LINKS);
    int mode = (Integer) a.get("mode");
    StringBuilder d = new StringBuilder(String.format("mode=%o owner=%s:%s mtime=%s", mode, a.get("uid"),
        a.get("gid"), a.get("lastModifiedTime")));
    int type = mode & 0170000;
    if (type != 0040000) {
      d.append(" nlink=").append(a.get("nlink"));
    }
    if (type == 0100000) {
      d.append(" sha256=").append(sha256(Files.readAllBytes(path)));
    } else if (type == 0120000) {
      d.append(" target=").append(Files.readSymbolicLink(path));
    } else if (type == 0020000 || type == 0060000) {
      d.append(" rdev=").append(a.get("rdev"));
    }
    for (String name : new java.util.TreeSet<>(nodes.listXattrs(path))) {
      if (!name.startsWith("trusted.overlay.")) {
        d.append(' ').append(name).append('=')
            .append(new String(nodes.getXattr(path, name).orElseThrow(), StandardCharsets.UTF_8));
      }
    }
    return d.toString();
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
