package io.corral.isolators.volume;

import io.corral.isolators.filesystem.MountTable;
import io.corral.isolators.filesystem.Mounts;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.Mount;
import io.corral.proto.v1.Namespace;
import io.corral.proto.v1.Volume;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The mounts of one volume: {@code RW} a recursive bind ({@code MS_BIND|MS_REC}, as Mesos);
 * {@code RO} a non-recursive bind remounted read-only, keeping the nosuid, nodev and noexec of
 * the mount the source lies on, so a write gets {@code EROFS} (Mesos' single
 * {@code MS_RDONLY} bind would be ignored by the kernel) and nothing mounted below the source
 * shows through writable. The target is created by corral-init when missing: a directory, or an
 * empty file for a file source. Pure apart from reading the mount table; any thread.
 */
public final class VolumeMounts {
  private VolumeMounts() {}

  /**
   * The fragment of one volume isolator: each volume's source found and checked by
   * {@code source} (which may refuse), then, only once every volume has passed, each source
   * made ready by {@code create}, then a mount namespace with the mounts of each volume, in
   * order. No volumes: an empty fragment.
   */
  public static LaunchPlan prepare(List<VolumePlanner.Planned> volumes, Function<Volume, Path> source,
      Consumer<Path> create, MountTable hostMounts) {
    if (volumes.isEmpty()) {
      return LaunchPlan.getDefaultInstance();
    }
    List<Path> sources = volumes.stream().map(v -> source.apply(v.volume())).toList();
    // Only now that every volume is checked: a refusal above leaves nothing behind.
    sources.forEach(create);
    LaunchPlan.Builder plan = LaunchPlan.newBuilder().addCloneNamespaces(Namespace.MOUNT);
    for (int i = 0; i < volumes.size(); i++) {
      add(plan, sources.get(i), volumes.get(i).target(), volumes.get(i).volume().getMode(),
          hostMounts);
    }
    return plan.build();
  }

  private static void add(LaunchPlan.Builder plan, Path source, Path target, Volume.Mode mode,
      MountTable hostMounts) {
    String from = source.toString();
    String to = target.toString();
    if (mode == Volume.Mode.RO) {
      plan.addMounts(Mount.newBuilder().setSource(from).setTarget(to).setFlags(Mounts.MS_BIND)
          .setCreateTarget(true));
      plan.addMounts(Mounts.readOnly(to, hostMounts.lockedFlags(source)));
    } else {
      plan.addMounts(Mounts.bind(from, to));
    }
  }
}
