package io.corral.isolators.filesystem;

import io.corral.isolators.ContainerContext;
import io.corral.isolators.Isolator;
import io.corral.isolators.IsolatorException;
import io.corral.proto.v1.ContainerInfo;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.Mount;
import io.corral.proto.v1.Namespace;
import io.corral.proto.v1.Volume;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code filesystem/shared} (Mesos' {@code SharedFilesystemIsolatorProcess}): the container sees
 * the host filesystem, runs in its sandbox like {@code filesystem/posix} ({@link Sandbox}), and
 * gets the volumes of its ContainerInfo (the agent's {@code --default_container_info} when the
 * launch has none, applied by the registry) bind-mounted in a private mount namespace:
 *
 * <ul>
 *   <li>an absolute {@code host_path} is bound onto {@code container_path}; RW recursively
 *       ({@code MS_BIND|MS_REC}, as Mesos), RO as a non-recursive bind remounted
 *       {@code MS_RDONLY} (Mesos ignores the mode; here a write gets EROFS, and mounts below the
 *       host path are not shown, so that nothing visible through the volume is writable);
 *   <li>a relative {@code host_path} is a directory under the sandbox, created with the mode,
 *       uid and gid of the host's {@code container_path} and bound onto it: {@code tmp} onto
 *       {@code /tmp} gives a private 1777 {@code /tmp} that disk/du counts with the sandbox.
 * </ul>
 *
 * <p>Every volume is checked before anything is created ({@link VolumeChecks}); a refusal fails
 * prepare with nothing left behind. The mounts live only in the container's mount namespace,
 * whose tree corral-init makes a recursive slave first, so the host's mount table never changes
 * and nothing stays mounted once the container's last process is gone: there is no cleanup.
 * Stateless; any thread.
 */
public final class SharedFilesystemIsolator implements Isolator {
  private static final long MS_RDONLY = 1;
  private static final long MS_REMOUNT = 32;
  private static final long MS_BIND = 4096;
  private static final long MS_REC = 16384;

  private final MountTable hostMounts;

  public SharedFilesystemIsolator() {
    this(MountTable.SELF);
  }

  SharedFilesystemIsolator(MountTable hostMounts) {
    this.hostMounts = hostMounts;
  }

  @Override
  public String name() {
    return "filesystem/shared";
  }

  @Override
  public LaunchPlan prepare(ContainerContext container) {
    LaunchPlan.Builder plan = Sandbox.plan(container);
    ContainerInfo info = container.launch().getContainer();
    if (info.getVolumesCount() == 0) {
      return plan.build();
    }
    if (info.getType() != ContainerInfo.Type.MESOS) {
      throw new IsolatorException("Failed to prepare: can only prepare filesystem for a MESOS"
          + " container");
    }
    List<VolumeChecks.Checked> volumes = VolumeChecks.check(container.sandbox(),
        info.getVolumesList());
    plan.addCloneNamespaces(Namespace.MOUNT);
    for (VolumeChecks.Checked volume : volumes) {
      String source = volume.source().toString();
      String target = volume.target().toString();
      if (volume.mode() == Volume.Mode.RO) {
        plan.addMounts(Mount.newBuilder().setSource(source).setTarget(target).setFlags(MS_BIND));
        // NOTE: the kernel ignores MS_RDONLY on the bind itself: only a remount makes it
        // read-only. The remount keeps nosuid/nodev/noexec of the mount the source lies on.
        plan.addMounts(Mount.newBuilder().setTarget(target)
            .setFlags(MS_BIND | MS_REMOUNT | MS_RDONLY | hostMounts.lockedFlags(volume.source())));
      } else {
        plan.addMounts(Mount.newBuilder().setSource(source).setTarget(target)
            .setFlags(MS_BIND | MS_REC));
      }
    }
    // Only now that every volume is planned: a refusal above leaves nothing behind.
    for (VolumeChecks.Checked volume : volumes) {
      if (volume.inSandbox()) {
        createLike(volume.source(), volume.target());
      }
    }
    return plan.build();
  }

  /** Creates a sandbox volume directory with the mode and owner of the host's container path. */
  private static void createLike(Path dir, Path hostDir) {
    try {
      Files.createDirectories(dir);
      Files.setAttribute(dir, "unix:mode", (Integer) Files.getAttribute(hostDir, "unix:mode") & 07777);
      Files.setAttribute(dir, "unix:uid", Files.getAttribute(hostDir, "unix:uid"));
      Files.setAttribute(dir, "unix:gid", Files.getAttribute(hostDir, "unix:gid"));
    } catch (IOException | RuntimeException e) {
      throw new IsolatorException("Failed to create volume directory '" + dir + "': " + e, e);
    }
  }
}
