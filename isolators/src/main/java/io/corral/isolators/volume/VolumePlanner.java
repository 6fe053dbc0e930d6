package io.corral.isolators.volume;

import io.corral.isolators.Confined;
import io.corral.isolators.ContainerContext;
import io.corral.isolators.IsolatorException;
import io.corral.isolators.filesystem.VolumeKinds;
import io.corral.proto.v1.ContainerInfo;
import io.corral.proto.v1.Volume;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the volumes of a container go ({@code volume/host_path}, {@code volume/sandbox_path}
 * and {@code docker/volume}), checked all together before any of them changes anything (Mesos' target rules, section
 * "volume/host_path"):
 *
 * <ul>
 *   <li>an absolute {@code container_path} is {@code <rootfs><path>} in an image container
 *       (created by corral-init when missing) and must exist on the host otherwise;
 *   <li>a relative one is under the sandbox: {@code <rootfs><sandbox_directory>/<path>} in an
 *       image container, {@code <sandbox>/<path>} otherwise (created when missing).
 * </ul>
 *
 * <p>No path may hold {@code .} or {@code ..}; the part of a target that exists must resolve,
 * symlinks and all, inside the rootfs (or the sandbox, for a relative one), so a link in an image
 * never points a mount at the host; no two volumes share a target, and none hides the sandbox.
 * Reads the filesystem on the caller's thread; creates nothing.
 */
public final class VolumePlanner {
  /** One volume: its kind's isolator, the volume, and the target on the host's side. */
  public record Planned(String isolator, Volume volume, Path target) {}

  private VolumePlanner() {}

  /** Every volume of the two kinds, with its target; the others are left to their isolators. */
  static List<Planned> plan(ContainerContext container, String sandboxDirectory) {
    ContainerInfo info = container.launch().getContainer();
    List<Planned> planned = new ArrayList<>();
    Map<Path, String> targets = new HashMap<>();
    for (Volume volume : info.getVolumesList()) {
      String isolator = VolumeKinds.isolatorFor(volume);
      if (isolator == null || !VolumeKinds.mounts(isolator)) {
        continue;
      }
      if (info.getType() != ContainerInfo.Type.MESOS) {
        throw new IsolatorException("Failed to prepare: volumes are only supported for a MESOS"
            + " container");
      }
      Path target = target(container, sandboxDirectory, volume.getContainerPath());
      String previous = targets.putIfAbsent(target, volume.getContainerPath());
      if (previous != null) {
        throw new IsolatorException("Failed to prepare: two volumes have the container path '"
            + volume.getContainerPath() + "'");
      }
      planned.add(new Planned(isolator, volume, target));
    }
    return planned;
  }

  /** The volumes of {@code isolator}, all volumes of both kinds checked together first. */
  public static List<Planned> mine(ContainerContext container, String sandboxDirectory,
      String isolator) {
    return plan(container, sandboxDirectory).stream().filter(p -> p.isolator().equals(isolator))
        .toList();
  }

  /** Refuses a path with an empty name or a {@code .} or {@code ..} component. */
  public static void refuseDots(String path, String what) {
    for (String component : path.split("/")) {
      if (component.equals(".") || component.equals("..")) {
        throw new IsolatorException("Failed to prepare: volume " + what + " '" + path
            + "' must not contain '.' or '..'");
      }
    }
    if (path.isEmpty()) {
      throw new IsolatorException("Failed to prepare: volume " + what + " is empty");
    }
  }

  private static Path target(ContainerContext container, String sandboxDirectory, String path) {
    refuseDots(path, "container path");
    boolean image = container.rootfs().isPresent();
    Path rootfs = image ? Path.of(container.rootfs().get().getRootfs()) : null;
    Path sandboxView = image ? Path.of(rootfs + sandboxDirectory) : container.sandbox();
    if (path.startsWith("/")) {
      if (!image) {
        Path target = Path.of(path);
        if (!Files.exists(target)) {
          throw new IsolatorException("Failed to prepare: volume container path '" + path
              + "' must exist on the host (the container has no image)");
        }
        refuseHidingSandbox(target, container.sandbox(), path);
        return target;
      }
      Path target = Path.of(rootfs + Path.of(path).normalize().toString());
      refuseHidingSandbox(target, sandboxView, path);
      Confined.check(target, rootfs, "the rootfs", path);
      return target;
    }
    Path target = sandboxView.resolve(path).normalize();
    // Checked where it really lies: in the host sandbox, which the sandbox view binds.
    Confined.check(container.sandbox().resolve(path).normalize(), container.sandbox(), "the sandbox",
        path);
    return target;
  }

  private static void refuseHidingSandbox(Path target, Path sandbox, String path) {
    if (sandbox.startsWith(target)) {
      throw new IsolatorException("Failed to prepare: cannot mount volume to '" + path
          + "' because the sandbox '" + sandbox + "' is under it");
    }
  }
}
