package io.corral.isolators;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Looks users up in the host's {@code /etc/passwd} and {@code /etc/group} files (not NSS: users
 * from LDAP or systemd-homed are not found). Reads the files at each lookup, on the caller's
 * thread; immutable otherwise.
 */
public final class UserDatabase {

  /**
   * One user.
   *
   * @param groups the supplementary groups as {@code getgrouplist(3)} gives them: the primary
   *     gid first, then every group that lists the user as a member, in file order
   */
  public record User(String name, int uid, int gid, List<Integer> groups) {}

  private final Path passwd;
  private final Path group;

  public UserDatabase(Path passwd, Path group) {
    this.passwd = passwd;
    this.group = group;
  }

  /** The host's own files. */
  public static UserDatabase system() {
    return new UserDatabase(Path.of("/etc/passwd"), Path.of("/etc/group"));
  }

  /**
   * The user with this name, or empty.
   *
   * @throws IsolatorException when a file cannot be read
   */
  public Optional<User> lookup(String name) {
    for (String[] f : entries(passwd, 7)) {
      if (f[0].equals(name)) {
        int uid = Integer.parseInt(f[2]);
        int gid = Integer.parseInt(f[3]);
        Set<Integer> groups = new LinkedHashSet<>(List.of(gid));
        for (String[] g : entries(group, 4)) {
          if (List.of(g[3].split(",")).contains(name)) {
            groups.add(Integer.parseInt(g[2]));
          }
        }
        return Optional.of(new User(name, uid, gid, List.copyOf(groups)));
      }
    }
    return Optional.empty();
  }

  /** The name of the user with this uid (the first in the file), or empty. */
  public Optional<String> nameOf(int uid) {
    return entries(passwd, 7).stream().filter(f -> f[2].equals(String.valueOf(uid)))
        .map(f -> f[0]).findFirst();
  }

  /**
   * The gid of the group with this name, or empty.
   *
   * @throws IsolatorException when the file cannot be read
   */
  public Optional<Integer> groupId(String name) {
    return entries(group, 4).stream().filter(f -> f[0].equals(name))
        .map(f -> Integer.parseInt(f[2])).findFirst();
  }

  /**
   * The well-formed lines of a colon file: enough fields, numeric ids; others are skipped. A
   * missing file has none (an image need not have {@code /etc/passwd}).
   */
  private static List<String[]> entries(Path file, int fields) {
    if (!Files.exists(file)) {
      return List.of();
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IsolatorException("Failed to read '" + file + "': " + e.getMessage(), e);
    }
    List<String[]> result = new ArrayList<>();
    for (String line : lines) {
      String[] f = line.split(":", -1);
      if (f.length >= fields && f[2].matches("[0-9]+")
          && (fields < 7 || f[3].matches("[0-9]+"))) {
        result.add(f);
      }
    }
    return result;
  }
}
