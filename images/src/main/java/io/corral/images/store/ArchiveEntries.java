package io.corral.images.store;

import io.corral.images.registry.RegistryException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;

/**
 * The entries of one image archive by normalized name. Symbolic and hard links (skopeo writes
 * {@code <id>/layer.tar} as a link to {@code ../<diffid>.tar}) are resolved inside the archive
 * only: an absolute target, or one that climbs above the archive's root, is refused.
 */
final class ArchiveEntries {
  private static final int MAX_LINKS = 8;

  private final TarFile archive;
  private final Path tar;
  private final Map<String, TarArchiveEntry> byName = new HashMap<>();

  ArchiveEntries(TarFile archive, Path tar) throws RegistryException {
    this.archive = archive;
    this.tar = tar;
    for (TarArchiveEntry e : archive.getEntries()) {
      String name = normalize(e.getName());
      if (name != null) {
        byName.put(name, e);
      }
    }
  }

  boolean has(String name) {
    return byName.containsKey(normalize(name));
  }

  /** The regular file {@code name} leads to, through links inside the archive. */
  TarArchiveEntry resolve(String name) throws RegistryException {
    String current = normalize(name);
    for (int hops = 0; current != null && hops <= MAX_LINKS; hops++) {
      TarArchiveEntry e = byName.get(current);
      if (e == null) {
        throw new RegistryException("archive '" + tar + "' has no entry '" + name + "'");
      }
      if (e.isSymbolicLink()) {
        String target = e.getLinkName();
        int slash = current.lastIndexOf('/');
        current = target.startsWith("/") ? null : normalize((slash < 0 ? "" : current.substring(0, slash + 1)) + target);
      } else if (e.isLink()) {
        current = normalize(e.getLinkName());
      } else if (e.isFile()) {
        return e;
      } else {
        throw new RegistryException("entry '" + name + "' of archive '" + tar + "' is not a file");
      }
    }
    throw new RegistryException("entry '" + name + "' of archive '" + tar + "' links outside the archive or too deep");
  }

  InputStream open(String name) throws IOException {
    return archive.getInputStream(resolve(name));
  }

  byte[] bytes(String name, int limit) throws IOException {
    TarArchiveEntry e = resolve(name);
    if (e.getSize() > limit) {
      throw new RegistryException("entry '" + name + "' of archive '" + tar + "' is larger than " + limit + " bytes");
    }
    try (InputStream in = archive.getInputStream(e)) {
      return in.readAllBytes();
    }
  }

  /** {@code a/./b/../c} → {@code a/c}; null if the name is absolute or climbs above the root. */
  static String normalize(String name) {
    if (name == null || name.startsWith("/")) {
      return null;
    }
    Deque<String> parts = new ArrayDeque<>();
    for (String part : name.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        if (parts.isEmpty()) {
          return null;
        }
        parts.removeLast();
      } else {
        parts.addLast(part);
      }
    }
    return parts.isEmpty() ? null : String.join("/", parts);
  }
}
