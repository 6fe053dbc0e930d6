package io.corral.posix.testing;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real XFS file system for root tests: a sparse image under a directory that is not below
 * {@code /tmp} ({@link TestDirectories}), made by {@code mkfs.xfs}, attached to a free loop
 * device and mounted at {@code <dir>/mnt} — with {@code prjquota} when the kernel accepts it,
 * else without quota (the kernel's refusal is kept in {@link #quotaMountRefusal()}). Closing it
 * unmounts, detaches the loop device and deletes the image, also after a failed test; a
 * half-made fixture undoes itself before throwing. Test thread only.
 */
public final class ScratchXfs implements AutoCloseable {
  /** Small images are fine for mkfs.xfs; the file is sparse. */
  private static final long SIZE = 320L << 20;

  private final Path dir;
  private final Path image;
  private final Path mountPoint;
  private String device;
  private boolean mounted;
  private boolean projectQuota;
  private String quotaMountRefusal = "";

  private ScratchXfs(Path dir) {
    this.dir = dir;
    this.image = dir.resolve("xfs.img");
    this.mountPoint = dir.resolve("mnt");
  }

  /**
   * Makes and mounts a fresh XFS. {@code quota} asks for {@code prjquota} (falling back to no
   * quota when the kernel refuses it); false mounts without quota.
   *
   * @throws IllegalStateException when mkfs.xfs, losetup or mount fail (xfsprogs is installed by
   *     {@code ops/scripts/setup-debian.sh})
   */
  public static ScratchXfs mount(String group, boolean quota) throws IOException {
    ScratchXfs xfs = new ScratchXfs(TestDirectories.notUnderTmp(group, "xfs"));
    try {
      xfs.make(quota);
      return xfs;
    } catch (RuntimeException | IOException e) {
      xfs.close();
      throw e;
    }
  }

  private void make(boolean quota) throws IOException {
    try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
      file.setLength(SIZE);
    }
    run("mkfs.xfs", "-q", "-f", image.toString());
    device = run("losetup", "--find", "--show", image.toString()).trim();
    Files.createDirectories(mountPoint);
    if (quota) {
      Result withQuota = exec("mount", "-t", "xfs", "-o", "prjquota", device, mountPoint.toString());
      if (withQuota.status == 0) {
        mounted = true;
        projectQuota = true;
        return;
      }
      quotaMountRefusal = "mount -o prjquota '" + device + "' refused: "
          + withQuota.output.strip().lines().findFirst().orElse("exit " + withQuota.status)
          + kernelLog();
    }
    run("mount", "-t", "xfs", device, mountPoint.toString());
    mounted = true;
  }

  /** Where the file system is mounted. */
  public Path mountPoint() {
    return mountPoint;
  }

  /** The loop device, e.g. {@code /dev/loop3}. */
  public Path device() {
    return Path.of(device);
  }

  /** Whether it is mounted with {@code prjquota}. */
  public boolean projectQuota() {
    return projectQuota;
  }

  /** Why {@code prjquota} was refused (mount's words and the kernel log's); empty if it was not. */
  public String quotaMountRefusal() {
    return quotaMountRefusal;
  }

  /**
   * Why project quota limits cannot be tested on this file system, in the kernel's words (the
   * mount's refusal of {@code prjquota} and {@code quotactl}'s answer); null when accounting and
   * enforcement are both on. Tests skip with this as the reason.
   */
  public String missingQuota(io.corral.posix.Quotas quotas) {
    String probe;
    try {
      io.corral.posix.Quotas.QuotaState state = quotas.quotaState(device());
      if (projectQuota && state.accounting() && state.enforcement()) {
        return null;
      }
      probe = "quotactl Q_XGETQSTAT answers " + state;
    } catch (io.corral.posix.LinuxException e) {
      probe = e.getMessage();
    }
    return "needs XFS project quota support in the kernel (CONFIG_XFS_QUOTA): "
        + (projectQuota ? "" : quotaMountRefusal + "; ") + probe;
  }

  @Override
  public void close() {
    List<String> failures = new ArrayList<>();
    if (mounted) {
      Result umount = exec("umount", mountPoint.toString());
      if (umount.status != 0) {
        // Busy (a leaked process or fd): detach lazily so the loop device still goes away.
        Result lazy = exec("umount", "-l", mountPoint.toString());
        failures.add("umount '" + mountPoint + "': " + umount.output.trim()
            + (lazy.status == 0 ? " (detached lazily)" : "; umount -l: " + lazy.output.trim()));
      }
      mounted = false;
    }
    if (device != null) {
      Result detach = exec("losetup", "-d", device);
      if (detach.status != 0) {
        failures.add("losetup -d '" + device + "': " + detach.output.trim());
      }
      device = null;
    }
    try {
      Files.deleteIfExists(image);
    } catch (IOException e) {
      failures.add("delete '" + image + "': " + e);
    }
    if (!failures.isEmpty()) {
      throw new IllegalStateException("Failed to tear down the scratch XFS: " + failures);
    }
  }

  private static String kernelLog() {
    Result dmesg = exec("dmesg");
    if (dmesg.status != 0) {
      return "";
    }
    String[] lines = dmesg.output.strip().split("\n");
    for (int i = lines.length - 1; i >= Math.max(0, lines.length - 5); i--) {
      if (lines[i].contains("XFS") && lines[i].contains("quota")) {
        return " (kernel: " + lines[i].replaceFirst("^\\[[^]]*\\]\\s*", "") + ")";
      }
    }
    return "";
  }

  private static String run(String... command) {
    Result result = exec(command);
    if (result.status != 0) {
      throw new IllegalStateException("Failed to run " + String.join(" ", command) + ": exit "
          + result.status + ": " + result.output.trim());
    }
    return result.output;
  }

  private record Result(int status, String output) {}

  private static Result exec(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      p.getOutputStream().close();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new Result(-1, String.join(" ", command) + " timed out");
      }
      return new Result(p.exitValue(), output);
    } catch (IOException e) {
      return new Result(-1, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UncheckedIOException(new IOException("interrupted", e));
    }
  }

  /** The directory holding the image and the mount point. */
  public Path directory() {
    return dir;
  }
}
