package io.corral.isolators.docker;

import io.corral.isolators.IsolatorException;
import io.corral.isolators.UserDatabase;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An image's {@code User} ({@code name}, {@code uid}, {@code name:group}, {@code uid:gid}, any
 * mix) resolved in the image's own {@code /etc/passwd} and {@code /etc/group}, as Docker does:
 * a numeric uid need not be listed (its gid is then 0, or the listed user's), a name must be; a
 * group, by name or gid, replaces the user's primary group. Supplementary groups are the primary
 * gid and the groups that list the user. Reads the files on the caller's thread.
 */
final class ImageUser {
  /** The ids to switch to: uid, gid and the supplementary groups. */
  record Ids(int uid, int gid, List<Integer> groups) {}

  private ImageUser() {}

  /** @throws IsolatorException naming the user or group that does not resolve in the image */
  static Ids resolve(String spec, UserDatabase image) {
    int colon = spec.indexOf(':');
    String user = colon < 0 ? spec : spec.substring(0, colon);
    Optional<String> group = colon < 0 ? Optional.empty() : Optional.of(spec.substring(colon + 1));
    if (user.isEmpty() || group.filter(String::isEmpty).isPresent()) {
      throw new IsolatorException("Failed to prepare: invalid image user '" + spec + "'");
    }
    Optional<String> name = numeric(user) ? image.nameOf(id(user, spec)) : Optional.of(user);
    Optional<UserDatabase.User> entry = name.flatMap(image::lookup);
    if (!numeric(user) && entry.isEmpty()) {
      throw new IsolatorException("Failed to prepare: image user '" + user
          + "' is not in the image's '/etc/passwd'");
    }
    int uid = entry.map(UserDatabase.User::uid).orElseGet(() -> id(user, spec));
    int gid = entry.map(UserDatabase.User::gid).orElse(0);
    if (group.isPresent()) {
      String g = group.get();
      gid = numeric(g) ? id(g, spec) : image.groupId(g).orElseThrow(() -> new IsolatorException(
          "Failed to prepare: image group '" + g + "' is not in the image's '/etc/group'"));
    }
    List<Integer> groups = new ArrayList<>(List.of(gid));
    entry.ifPresent(e -> e.groups().stream().skip(1).filter(x -> !groups.contains(x))
        .forEach(groups::add));
    return new Ids(uid, gid, List.copyOf(groups));
  }

  private static boolean numeric(String s) {
    return s.matches("[0-9]+");
  }

  private static int id(String s, String spec) {
    try {
      return Integer.parseUnsignedInt(s);
    } catch (NumberFormatException e) {
      throw new IsolatorException("Failed to prepare: id '" + s + "' of image user '" + spec
          + "' is out of range", e);
    }
  }
}
