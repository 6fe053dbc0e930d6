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

  private static List<String> types(Path mountPoint) throws Exception {
    return MountInfo.read(MountInfo.SELF).stream().filter(m -> m.mountPoint().equals(mountPoint))
        .map(MountInfo.Entry::fsType).toList();
  }
}
