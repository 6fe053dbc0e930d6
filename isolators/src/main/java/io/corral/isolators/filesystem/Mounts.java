package io.corral.isolators.filesystem;

import io.corral.proto.v1.Mount;

/**
 * The mount(2) flag bits a {@code LaunchPlan.Mount} carries, and the few mount shapes the
 * filesystem and volume isolators share. Pure; any thread.
 */
public final class Mounts {
  public static final long MS_RDONLY = 1;
  public static final long MS_NOSUID = 2;
  public static final long MS_NODEV = 4;
  public static final long MS_NOEXEC = 8;
  public static final long MS_REMOUNT = 32;
  public static final long MS_BIND = 4096;
  public static final long MS_REC = 16384;
  public static final long MS_STRICTATIME = 1L << 24;

  private Mounts() {}

  /** A recursive bind of {@code source} onto {@code target}, created when missing. */
  public static Mount bind(String source, String target) {
    return Mount.newBuilder().setSource(source).setTarget(target).setFlags(MS_BIND | MS_REC)
        .setCreateTarget(true).build();
  }

  /**
   * The remount that makes the bind at {@code target} read-only. The kernel ignores
   * {@code MS_RDONLY} on the bind itself; {@code locked} are the flags (nosuid, nodev, noexec)
   * that the mount under it has and that a remount of a bind must keep.
   */
  public static Mount readOnly(String target, long locked) {
    return Mount.newBuilder().setTarget(target)
        .setFlags(MS_BIND | MS_REMOUNT | MS_RDONLY | locked).build();
  }

  /** A new file system of {@code type} at {@code target}, created when missing. */
  public static Mount fresh(String type, String target, long flags, String data) {
    Mount.Builder mount = Mount.newBuilder().setSource(type).setTarget(target).setType(type)
        .setFlags(flags).setCreateTarget(true);
    if (data != null) {
      mount.setData(data);
    }
    return mount.build();
  }
}
