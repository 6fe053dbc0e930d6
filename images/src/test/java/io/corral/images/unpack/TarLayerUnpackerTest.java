package io.corral.images.unpack;

import static io.corral.images.unpack.TarBuilder.owner;
import static io.corral.images.unpack.TarBuilder.xattrs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.posix.FileNodes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each entry type unpacked as root on the real file system, with its owner, mode, time and xattrs. */
@Tag("root")
class TarLayerUnpackerTest {
  private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
  private final FileNodes nodes = FileNodes.nativeDefault();
  @TempDir
  Path temp;
  private Path layer;

  @BeforeEach
  void setUp() throws IOException {
    assumeTrue("root".equals(System.getProperty("user.name")), "needs root: chown, mknod, trusted.* xattrs");
    layer = Files.createDirectories(temp.resolve("layer"));
  }

  @Test
  void regularFilesKeepContentOwnerSetuidModeAndTime() throws IOException {
    unpack(WhiteoutFormat.COPY, new TarBuilder(0, 0)
        .file("bin/su", "binary", 04755, owner(0, 0))
        .file("home/user/data", "data", 02640, owner(1000, 1001)), false);

    assertEquals("binary", Files.readString(layer.resolve("bin/su")));
    assertEquals(0104755, mode("bin/su"));
    assertEquals(0102640, mode("home/user/data"));
    assertEquals(1000, attr("home/user/data", "uid"));
    assertEquals(1001, attr("home/user/data", "gid"));
    assertEquals(TarBuilder.TIME, Files.getLastModifiedTime(layer.resolve("bin/su")));
    assertEquals(040755, mode("home/user"), "an unlisted parent is made 0755");
  }

  @Test
  void directoriesGetTheirModeOwnerAndTimeAfterTheirContent() throws IOException {
    unpack(WhiteoutFormat.COPY, new TarBuilder(0, 0)
        .dir("tmp/", 01777, owner(0, 0))
        .dir("srv/", 0750, owner(33, 34))
        .file("srv/index", "x")
        .file("tmp/x", "x"), true);

    assertEquals(041777, mode("tmp"));
    assertEquals(040750, mode("srv"));
    assertEquals(33, attr("srv", "uid"));
    assertEquals(TarBuilder.TIME, Files.getLastModifiedTime(layer.resolve("srv")));
    assertEquals(TarBuilder.TIME, Files.getLastModifiedTime(layer.resolve("tmp")));
  }

  @Test
  void symlinksAreKeptAsTheyAreWithTheirOwnOwnerAndTime() throws IOException {
    unpack(WhiteoutFormat.COPY, new TarBuilder(5, 6)
        .symlink("etc/mtab", "/proc/self/mounts")
        .symlink("lib", "usr/lib")
        .symlink("dangling", "../../../nowhere"), false);

    assertEquals(Path.of("/proc/self/mounts"), Files.readSymbolicLink(layer.resolve("etc/mtab")));
    assertEquals(Path.of("usr/lib"), Files.readSymbolicLink(layer.resolve("lib")));
    assertEquals(Path.of("../../../nowhere"), Files.readSymbolicLink(layer.resolve("dangling")));
    assertEquals(5, attr("lib", "uid"));
    assertEquals(6, attr("lib", "gid"));
    assertEquals(TarBuilder.TIME, Files.getLastModifiedTime(layer.resolve("lib"), NOFOLLOW));
  }

  @Test
  void hardLinksShareTheInodeOfAnEarlierEntry() throws IOException {
    unpack(WhiteoutFormat.COPY, new TarBuilder(0, 0)
        .file("bin/busybox", "bb", 0755, e -> {})
        .hardLink("bin/sh", "bin/busybox")
        .hardLink("./usr/bin/env", "/bin/busybox"), true);

    assertEquals(3, attr("bin/busybox", "nlink"));
    assertEquals(attr("bin/busybox", "ino"), attr("bin/sh", "ino"));
    assertEquals(attr("bin/busybox", "ino"), attr("usr/bin/env", "ino"));
  }

  @Test
  void devicesAndFifosAreMadeWithTheirNumbersAndModes() throws IOException {
    unpack(WhiteoutFormat.COPY, new TarBuilder(0, 0)
        .node("dev/null", TarConstants.LF_CHR, 0666, 1, 3)
        .node("dev/loop9", TarConstants.LF_BLK, 0660, 7, 9)
        .node("run/fifo", TarConstants.LF_FIFO, 0620, 0, 0), false);

    assertEquals(0020666, mode("dev/null"));
    assertEquals(0x0103L, attr("dev/null", "rdev"));
    assertEquals(0060660, mode("dev/loop9"));
    assertEquals(0x0709L, attr("dev/loop9", "rdev"));
    assertEquals(0010620, mode("run/fifo"));
  }

  @Test
  void xattrsFromPaxRecordsAreSet() throws IOException {
    unpack(WhiteoutFormat.COPY, new TarBuilder(0, 0)
        .file("f", "x", 0644, xattrs(Map.of("user.origin", "layer", "trusted.note", "t")))
        .dir("d/", 0755, xattrs(Map.of("user.dir", "yes"))), true);

    assertArrayEquals(bytes("layer"), nodes.getXattr(layer.resolve("f"), "user.origin").orElseThrow());
    assertArrayEquals(bytes("t"), nodes.getXattr(layer.resolve("f"), "trusted.note").orElseThrow());
    assertArrayEquals(bytes("yes"), nodes.getXattr(layer.resolve("d"), "user.dir").orElseThrow());
  }

  @Test
  void overlayWhiteoutsBecomeDevicesAndOpaqueDirectories() throws IOException {
    unpack(WhiteoutFormat.OVERLAY, new TarBuilder(0, 0)
        .dir("etc/")
        .file("etc/.wh.removed", "")
        .file("etc/opq.d/.wh..wh..opq", "")
        .file("etc/opq.d/new", "new")
        .file("etc/.wh..wh.plnk", ""), true);

    assertEquals(0020000, mode("etc/removed") & 0170000);
    assertEquals(0L, attr("etc/removed", "rdev"));
    assertFalse(Files.exists(layer.resolve("etc/.wh.removed"), NOFOLLOW));
    assertArrayEquals(bytes("y"), nodes.getXattr(layer.resolve("etc/opq.d"), WhiteoutFormat.OPAQUE_XATTR).orElseThrow());
    assertFalse(Files.exists(layer.resolve("etc/opq.d/.wh..wh..opq"), NOFOLLOW));
    assertEquals("new", Files.readString(layer.resolve("etc/opq.d/new")));
    assertFalse(Files.exists(layer.resolve("etc/.wh..wh.plnk"), NOFOLLOW), "aufs bookkeeping is dropped");
  }

  @Test
  void copyWhiteoutsStayMarkers() throws IOException {
    unpack(WhiteoutFormat.COPY, new TarBuilder(0, 0)
        .file("etc/.wh.removed", "")
        .file("etc/opq.d/.wh..wh..opq", ""), false);

    assertTrue(Files.isRegularFile(layer.resolve("etc/.wh.removed"), NOFOLLOW));
    assertTrue(Files.isRegularFile(layer.resolve("etc/opq.d/.wh..wh..opq"), NOFOLLOW));
    assertFalse(Files.exists(layer.resolve("etc/removed"), NOFOLLOW));
  }

  @Test
  void aLaterEntryReplacesAnEarlierOneUnlessBothAreDirectories() throws IOException {
    unpack(WhiteoutFormat.COPY, new TarBuilder(0, 0)
        .file("a", "first").file("a", "second")
        .dir("d/").file("d/kept", "k").dir("d/", 0700, e -> {})
        .dir("x/").file("x/gone", "g").file("x", "now a file")
        .file("s", "file").symlink("s", "elsewhere"), true);

    assertEquals("second", Files.readString(layer.resolve("a")));
    assertEquals("k", Files.readString(layer.resolve("d/kept")));
    assertEquals(040700, mode("d"));
    assertEquals("now a file", Files.readString(layer.resolve("x")));
    assertEquals(Path.of("elsewhere"), Files.readSymbolicLink(layer.resolve("s")));
  }

  @Test
  void theLayerRootEntryIsSkippedAndDotSlashNamesAreNormalized() throws IOException {
    unpack(WhiteoutFormat.COPY, new TarBuilder(0, 0).dir("./", 0700, e -> {}).file("./a/./b", "b"), true);
    assertEquals("b", Files.readString(layer.resolve("a/b")));
  }

  @Test
  void rootOwnedEntriesInASetgidRootStillGetTheirOwnerFromTheLayer() throws IOException {
    Files.setAttribute(layer, "unix:gid", 4242);
    Files.setAttribute(layer, "unix:mode", 02775);
    unpack(WhiteoutFormat.COPY, new TarBuilder(0, 0)
        .file("etc/passwd", "root", 0644, owner(0, 0))
        .file("home/data", "data", 0640, owner(1000, 1001))
        .symlink("bin/sh", "busybox"), true);

    assertEquals(0, attr("etc/passwd", "gid"), "not the setgid root's group");
    assertEquals(0, attr("bin/sh", "gid"));
    assertEquals(1001, attr("home/data", "gid"));
  }

  @Test
  void nodesOwnedAsTheUnpackerOrNotBothGetTheLayersOwner() throws IOException {
    unpack(WhiteoutFormat.COPY, new TarBuilder(0, 0)
        .file("a/root", "r", 0644, owner(0, 0))
        .file("a/user", "u", 0644, owner(7, 8))
        .file("a/root2", "r", 0644, owner(0, 0))
        .symlink("a/link", "root"), true);

    assertEquals(List.of(0, 0, 7, 8, 0, 0, 0, 0), List.of(attr("a/root", "uid"), attr("a/root", "gid"),
        attr("a/user", "uid"), attr("a/user", "gid"), attr("a/root2", "uid"), attr("a/root2", "gid"),
        attr("a/link", "uid"), attr("a/link", "gid")));
  }

  @Test
  void aDirectoryThatIsNotEmptyFailsAClashingEntryRatherThanOverwriteIt() throws IOException {
    Files.writeString(layer.resolve("a"), "not the layer's");

    IOException e = assertThrows(IOException.class,
        () -> unpack(WhiteoutFormat.COPY, new TarBuilder(0, 0).file("a", "layer"), true));

    assertTrue(e.getMessage().startsWith("Failed to unpack layer"), e.getMessage());
    try (var left = Files.list(layer)) {
      assertEquals(0, left.count(), "emptied again");
    }
  }

  private void unpack(WhiteoutFormat format, TarBuilder tar, boolean gzip) throws IOException {
    Path blob = tar.write(temp.resolve("blob"), gzip);
    new TarLayerUnpacker(nodes, format).unpack(blob, layer);
  }

  private int mode(String name) throws IOException {
    return (Integer) attr(name, "mode");
  }

  private Object attr(String name, String attribute) throws IOException {
    return Files.getAttribute(layer.resolve(name), "unix:" + attribute, NOFOLLOW);
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
