package io.corral.isolators.filesystem;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The flags a read-only remount repeats, from a mountinfo file. */
class MountTableTest {
  @TempDir Path dir;

  @Test
  void theTopmostLongestMountPointWins() throws IOException {
    Path mountinfo = Files.writeString(dir.resolve("mountinfo"), String.join("\n",
        "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw",
        "30 22 0:5 / /dev rw,nosuid shared:2 - devtmpfs udev rw",
        "31 22 0:6 / /data\\040set rw,noexec,nodev - tmpfs tmpfs rw",
        "32 22 0:7 / /data\\040set rw - tmpfs tmpfs rw",
        "33 22 0:8 / /var rw,nosuid,nodev,noexec - tmpfs tmpfs rw", ""));
    MountTable table = new MountTable(mountinfo);
    assertEquals(0, table.lockedFlags(Path.of("/etc")));
    assertEquals(2, table.lockedFlags(Path.of("/dev/shm")));
    assertEquals(0, table.lockedFlags(Path.of("/data set/x")), "the later mount is on top");
    assertEquals(2 | 4 | 8, table.lockedFlags(Path.of("/var/lib")));
    assertEquals(0, table.lockedFlags(Path.of("/variable")), "a path prefix is not a parent");
  }
}
