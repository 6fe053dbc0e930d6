package io.corral.posix.nativeimpl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.posix.Errno;
import io.corral.posix.LinuxException;
import io.corral.posix.MountInfo;
import io.corral.posix.OverlayMounts;
import io.corral.posix.testing.TestDirectories;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Overlay mount and unmount on the real kernel, as root. */
@Tag("root")
class NativeOverlayMountsIT {
  private final OverlayMounts mounts = NativeOverlayMounts.create();
  private Path dir;

  @BeforeEach
  void setUp() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "needs root: mount(2)");
    assumeTrue(Files.readString(Path.of("/proc/filesystems")).contains("\toverlay\n"), "needs overlayfs");
    dir = TestDirectories.notUnderTmp("overlay-mounts", "ovl-");
  }

  @Test
  void mountsAnOverlayWhoseWritesLandInTheUpperDirAndUnmountsIt() throws Exception {
    Path lower = Files.createDirectories(dir.resolve("lower"));
    Files.writeString(lower.resolve("base"), "base");
    Path upper = Files.createDirectories(dir.resolve("upper"));
    Path work = Files.createDirectories(dir.resolve("work"));
    Path merged = Files.createDirectories(dir.resolve("merged"));

    mounts.mountOverlay(merged, "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work);
    try {
      assertEquals(List.of("overlay"), types(merged));
      assertEquals("base", Files.readString(merged.resolve("base")));
      Files.writeString(merged.resolve("new"), "new");
      assertEquals("new", Files.readString(upper.resolve("new")));
      assertFalse(Files.exists(lower.resolve("new")));
    } finally {
      mounts.unmount(merged, true);
    }
    assertEquals(List.of(), types(merged));
  }

  @Test
  void aMissingLowerDirIsAnErrorNamingTheCall() throws Exception {
    Path merged = Files.createDirectories(dir.resolve("merged"));
    LinuxException e = assertThrows(LinuxException.class, () -> mounts.mountOverlay(merged,
        "lowerdir=" + dir.resolve("absent") + ",upperdir=" + dir + "/u,workdir=" + dir + "/w"));
    assertTrue(e.getMessage().startsWith("mount src='overlay' dst='" + merged + "'"), e.getMessage());
    assertEquals(List.of(), types(merged));
    LinuxException notMounted = assertThrows(LinuxException.class, () -> mounts.unmount(merged, false));
    assertEquals(Errno.EINVAL, notMounted.errno());
  }

  @Test
  void bindsANetworkNamespaceFileThatOutlivesTheProcessUntilUnmounted() throws Exception {
    Path handle = Files.createFile(dir.resolve("ns"));
    Process process = new ProcessBuilder("unshare", "--net", "sleep", "60").start();
    try {
      Path ns = Path.of("/proc/" + process.pid() + "/ns/net");
      while (Files.readSymbolicLink(ns).equals(Files.readSymbolicLink(Path.of("/proc/self/ns/net")))
          && process.isAlive()) {
        Thread.onSpinWait(); // until unshare has moved into its namespace and exec'd sleep
      }
      String id = Files.readSymbolicLink(ns).toString();
      NativeOverlayMounts.create().bind(ns, handle);
      process.destroyForcibly().waitFor();
      assertEquals(List.of("nsfs"), types(handle), "the namespace outlives its last process");
      assertTrue(id.startsWith("net:["), id);
    } finally {
      process.destroyForcibly().waitFor();
    }
    NativeOverlayMounts.create().unmount(handle, false);
    assertEquals(List.of(), types(handle));
    LinuxException missing = assertThrows(LinuxException.class,
        () -> NativeOverlayMounts.create().bind(dir.resolve("absent"), handle));
    assertTrue(missing.getMessage().startsWith("mount src='" + dir.resolve("absent") + "' dst='" + handle
        + "' flags=MS_BIND: ENOENT"), missing.getMessage());
  }

  private static List<String> types(Path mountPoint) throws Exception {
    return MountInfo.read(MountInfo.SELF).stream().filter(m -> m.mountPoint().equals(mountPoint))
        .map(MountInfo.Entry::fsType).toList();
  }
}
