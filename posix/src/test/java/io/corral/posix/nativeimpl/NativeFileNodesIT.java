package io.corral.posix.nativeimpl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.posix.Errno;
import io.corral.posix.FileNodes;
import io.corral.posix.FileNodes.NodeType;
import io.corral.posix.LinuxException;
import io.corral.posix.testing.TestDirectories;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The node verbs on the real kernel, as root (mknod and trusted.* need CAP_MKNOD and CAP_SYS_ADMIN). */
@Tag("root")
class NativeFileNodesIT {
  private final FileNodes nodes = NativeFileNodes.create();
  private Path dir;

  @BeforeEach
  void setUp() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "needs root: mknod(2), trusted.* xattrs");
    dir = TestDirectories.notUnderTmp("file-nodes", "nodes-");
  }

  @Test
  void makesDevicesAndFifosWithTheirNumbers() throws Exception {
    nodes.mknod(dir.resolve("c"), NodeType.CHARACTER_DEVICE, 0640, 1, 3);
    nodes.mknod(dir.resolve("b"), NodeType.BLOCK_DEVICE, 0600, 259, 70000);
    nodes.mknod(dir.resolve("p"), NodeType.FIFO, 0644, 0, 0);

    assertEquals(0020640, mode(dir.resolve("c")));
    assertEquals(NativeFileNodes.makedev(1, 3), rdev(dir.resolve("c")));
    assertEquals(0060600, mode(dir.resolve("b")));
    assertEquals(NativeFileNodes.makedev(259, 70000), rdev(dir.resolve("b")));
    assertEquals(0010000, mode(dir.resolve("p")) & 0170000, "a FIFO");
    LinuxException e = assertThrows(LinuxException.class,
        () -> nodes.mknod(dir.resolve("p"), NodeType.FIFO, 0644, 0, 0));
    assertEquals(Errno.EEXIST, e.errno());
    assertTrue(e.getMessage().startsWith("mknod path='" + dir.resolve("p") + "'"), e.getMessage());
  }

  @Test
  void makedevMatchesGlibc() {
    assertEquals(0x0103L, NativeFileNodes.makedev(1, 3));
    assertEquals(0x0000_1000_1000_0abcL, NativeFileNodes.makedev(0x100a, 0x100bc));
  }

  @Test
  void setsReadsAndListsTrustedAttributesOfASymlinkItself() throws Exception {
    Path file = Files.writeString(dir.resolve("f"), "x");
    Path link = Files.createSymbolicLink(dir.resolve("l"), file);
    nodes.setXattr(file, "trusted.overlay.opaque", "y".getBytes(StandardCharsets.UTF_8));
    nodes.setXattr(link, "trusted.corral", new byte[] {0, 1, (byte) 0xff});

    assertArrayEquals("y".getBytes(StandardCharsets.UTF_8), nodes.getXattr(file, "trusted.overlay.opaque").orElseThrow());
    assertArrayEquals(new byte[] {0, 1, (byte) 0xff}, nodes.getXattr(link, "trusted.corral").orElseThrow());
    assertEquals(Optional.empty(), nodes.getXattr(file, "trusted.corral"), "the link's xattr is its own");
    assertTrue(nodes.listXattrs(link).contains("trusted.corral"));
    assertTrue(nodes.listXattrs(file).contains("trusted.overlay.opaque"));
    LinuxException e = assertThrows(LinuxException.class, () -> nodes.listXattrs(dir.resolve("missing")));
    assertEquals(Errno.ENOENT, e.errno());
  }

  @Test
  void setsNanosecondTimesOnSymlinksAndFifosWithoutFollowingOrOpening() throws Exception {
    Path file = Files.writeString(dir.resolve("f"), "x");
    Path link = Files.createSymbolicLink(dir.resolve("l"), file);
    Path fifo = dir.resolve("p");
    nodes.mknod(fifo, NodeType.FIFO, 0600, 0, 0);
    FileTime fileTime = Files.getLastModifiedTime(file);
    FileTime time = FileTime.from(Instant.parse("2001-02-03T04:05:06.123456789Z"));

    nodes.setTimes(link, time, time);
    nodes.setTimes(fifo, time, time); // opening a FIFO for reading would block

    assertEquals(time, Files.getLastModifiedTime(link, LinkOption.NOFOLLOW_LINKS));
    assertEquals(time, Files.getLastModifiedTime(fifo));
    assertEquals(fileTime, Files.getLastModifiedTime(file), "the target is untouched");
  }

  @Test
  void syncsTheFileSystemOfADirectoryWithoutKeepingADescriptor() throws Exception {
    Files.write(dir.resolve("data"), new byte[1 << 16]);
    long before;
    try (var fds = Files.list(Path.of("/proc/self/fd"))) {
      before = fds.count();
    }

    nodes.syncFileSystem(dir);

    try (var fds = Files.list(Path.of("/proc/self/fd"))) {
      assertEquals(before, fds.count());
    }
    LinuxException e = assertThrows(LinuxException.class, () -> nodes.syncFileSystem(dir.resolve("missing")));
    assertEquals(Errno.ENOENT, e.errno());
    assertTrue(e.getMessage().contains("missing"), e.getMessage());
  }

  private static int mode(Path path) throws Exception {
    return (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
  }

  private static long rdev(Path path) throws Exception {
    return (Long) Files.getAttribute(path, "unix:rdev", LinkOption.NOFOLLOW_LINKS);
  }
}
