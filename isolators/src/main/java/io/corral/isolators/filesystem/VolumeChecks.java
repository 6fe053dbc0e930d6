package io.corral.isolators.filesystem;

import io.corral.isolators.IsolatorException;
import io.corral.proto.v1.Volume;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The volume rules of {@code filesystem/shared}, checked against the host filesystem without
 * changing it, so a refused request leaves nothing behind. Reads the filesystem on the caller's
 * thread; otherwise pure.
 *
 * <p>For each volume: {@code container_path} is absolute, has no {@code .} or {@code ..}
 * component and exists on the host (Mesos); {@code host_path} is set and has no {@code .} or
 * {@code ..} component; an absolute one exists and is of the same kind (directory or file) as
 * the container path; a relative one is under the sandbox, also after every symlink on the way
 * is resolved, and its container path is a directory. Across volumes (on real paths): no two
 * volumes share a container path, none lies under another (Mesos), and none hides the sandbox.
 */
final class VolumeChecks {

  /**
   * A volume that passed every check.
   *
   * @param source the real host path, or the sandbox directory to create for a relative one
   * @param target the real container path on the host
   * @param inSandbox whether {@code source} is a sandbox directory that prepare creates
   */
  record Checked(Path source, Path target, Volume.Mode mode, boolean inSandbox) {}

  private VolumeChecks() {}

  static List<Checked> check(Path sandbox, List<Volume> volumes) {
    Path realSandbox = real(sandbox, "sandbox");
    List<Checked> checked = new ArrayList<>();
    for (Volume volume : volumes) {
      Checked next = checkOne(sandbox, realSandbox, volume);
      for (Checked other : checked) {
        if (other.target().equals(next.target())) {
          throw new IsolatorException("Failed to prepare: two volumes have the container path '"
              + next.target() + "'");
        }
        if (next.target().startsWith(other.target()) || other.target().startsWith(next.target())) {
          Path inner = next.target().startsWith(other.target()) ? next.target() : other.target();
          Path outer = inner == next.target() ? other.target() : next.target();
          throw new IsolatorException("Failed to prepare: cannot mount volume to '" + inner
              + "' because it is under volume '" + outer + "'");
        }
      }
      if (sandbox.startsWith(next.target()) || realSandbox.startsWith(next.target())) {
        throw new IsolatorException("Failed to prepare: cannot mount volume to '" + next.target()
            + "' because the sandbox '" + sandbox + "' is under it");
      }
      checked.add(next);
    }
    return checked;
  }

  private static Checked checkOne(Path sandbox, Path realSandbox, Volume volume) {
    String containerPath = volume.getContainerPath();
    if (!containerPath.startsWith("/")) {
      throw new IsolatorException("Failed to prepare: volume container path '" + containerPath
          + "' is not absolute");
    }
    refuseDots(containerPath, "container path");
    if (!Files.exists(Path.of(containerPath))) {
      throw new IsolatorException("Failed to prepare: volume container path '" + containerPath
          + "' must exist on host for shared filesystem isolator");
    }
    Path target = real(Path.of(containerPath), "container path");
    if (!volume.hasHostPath() || volume.getHostPath().isEmpty()) {
      throw new IsolatorException("Failed to prepare: volume with container path '"
          + containerPath + "' has no host_path (volume sources are not supported by"
          + " 'filesystem/shared')");
    }
    String hostPath = volume.getHostPath();
    refuseDots(hostPath, "host path");
    if (hostPath.startsWith("/")) {
      if (!Files.exists(Path.of(hostPath))) {
        throw new IsolatorException("Failed to prepare: volume host path '" + hostPath
            + "' does not exist");
      }
      Path source = real(Path.of(hostPath), "host path");
      if (Files.isDirectory(source) != Files.isDirectory(target)) {
        throw new IsolatorException("Failed to prepare: cannot mount " + kind(source) + " '"
            + hostPath + "' onto " + kind(target) + " '" + containerPath + "'");
      }
      return new Checked(source, target, volume.getMode(), false);
    }
    Path source = sandbox.resolve(hostPath).normalize();
    // The deepest part that exists, with its symlinks resolved, must still be in the sandbox;
    // what does not exist yet is created by prepare as plain directories.
    Path existing = source;
    while (!Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
      existing = existing.getParent();
    }
    Path resolved = Files.exists(existing) ? real(existing, "host path") : existing;
    boolean dangling = Files.isSymbolicLink(existing) && !Files.exists(existing);
    if (dangling || !resolved.startsWith(realSandbox)) {
      throw new IsolatorException("Failed to prepare: volume host path '" + hostPath
          + "' escapes the sandbox '" + sandbox + "' (it resolves to '" + resolved + "')");
    }
    Path realSource = resolved.resolve(existing.relativize(source));
    if (Files.exists(realSource) && !Files.isDirectory(realSource)) {
      throw new IsolatorException("Failed to prepare: volume host path '" + hostPath
          + "' is not a directory in the sandbox");
    }
    if (!Files.isDirectory(target)) {
      throw new IsolatorException("Failed to prepare: volume container path '" + containerPath
          + "' of a sandbox volume must be a directory on host");
    }
    return new Checked(realSource, target, volume.getMode(), true);
  }

  private static void refuseDots(String path, String what) {
    for (String component : path.split("/")) {
      if (component.equals(".") || component.equals("..")) {
        throw new IsolatorException("Failed to prepare: volume " + what + " '" + path
            + "' must not contain '.' or '..'");
      }
    }
  }

  private static String kind(Path path) {
    return Files.isDirectory(path) ? "directory" : "file";
  }

  private static Path real(Path path, String what) {
    try {
      return path.toRealPath();
    } catch (IOException e) {
      throw new IsolatorException("Failed to prepare: cannot resolve " + what + " '" + path
          + "': " + e, e);
    }
  }
}
