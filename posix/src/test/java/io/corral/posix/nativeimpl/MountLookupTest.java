package io.corral.posix.nativeimpl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.posix.Errno;
import io.corral.posix.LinuxException;
import io.corral.posix.Quotas;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding the mount of a path in a mountinfo file, by device number and longest mount point. */
class MountLookupTest {
  @TempDir Path dir;

  private MountLookup table(String... lines) throws IOException {
    return new MountLookup(Files.writeString(dir.resolve("mountinfo"), String.join("\n", lines) + "\n"));
  }

  /** A dev_t as glibc's makedev builds it. */
  private static long dev(long major, long minor) {
    return (minor & 0xff) | ((major & 0xfff) << 8) | ((minor & ~0xffL) << 12) | ((major & ~0xfffL) << 32);
  }

  @Test
  void theLongestMountPointOnTheDeviceWins() throws IOException {
    MountLookup info = table(
        "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw",
        "42 22 7:0 / /var/tmp/x rw,relatime - xfs /dev/loop0 rw,attr2,inode64,noquota",
        "43 42 7:0 /sub /var/tmp/x/bind rw,relatime - xfs /dev/loop0 rw,attr2,inode64,noquota",
        "44 22 7:1 / /var/tmp/y rw shared:9 master:2 - xfs /dev/loop1 rw,prjquota");
    assertEquals(new Quotas.Mount(Path.of("/var/tmp/x/bind"), "xfs", "/dev/loop0",
        "rw,attr2,inode64,noquota"), info.find(Path.of("/var/tmp/x/bind/work"), dev(7, 0)));
    Quotas.Mount y = info.find(Path.of("/var/tmp/y/w"), dev(7, 1));
    assertEquals("/dev/loop1", y.source());
    assertTrue(y.projectQuotaOption());
    assertEquals("ext4", info.find(Path.of("/srv"), dev(254, 0)).fsType());
  }

  @Test
  void escapedSpacesInMountPointsAreUndone() throws IOException {
    MountLookup info = table("50 22 7:2 / /var/tmp/with\\040space rw - xfs /dev/loop2 rw,pquota");
    assertEquals(Path.of("/var/tmp/with space"),
        info.find(Path.of("/var/tmp/with space/a"), dev(7, 2)).mountPoint());
  }

  @Test
  void largeDeviceNumbersAreDecodedAsGlibcDoes() {
    long d = dev(259, 300);
    assertEquals(259, MountLookup.major(d));
    assertEquals(300, MountLookup.minor(d));
  }

  @Test
  void aDeviceWithoutAMountIsEnoent() throws IOException {
    LinuxException e = assertThrows(LinuxException.class,
        () -> table("22 1 254:0 / / rw - ext4 /dev/vda rw").find(Path.of("/x"), dev(8, 1)));
    assertEquals(Errno.ENOENT, e.errno());
    assertTrue(e.getMessage().contains("dev=8:1"), e.getMessage());
  }
}
