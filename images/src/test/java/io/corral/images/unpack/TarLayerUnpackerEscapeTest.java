package io.corral.images.unpack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.posix.FileNodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way a layer could write outside its directory is refused, and a refused layer leaves
 * nothing behind. Runs as any user: the entries belong to the user running the test.
 */
class TarLayerUnpackerEscapeTest {
  @TempDir
  Path temp;
  private Path layer;
  private Path outside;
  private TarBuilder tar;
  private final TarLayerUnpacker unpacker =
      new TarLayerUnpacker(FileNodes.nativeDefault(), WhiteoutFormat.COPY);

  @BeforeEach
  void setUp() throws IOException {
    layer = Files.createDirectories(temp.resolve("store/layer"));
    outside = Files.createDirectories(temp.resolve("outside"));
    Files.writeString(outside.resolve("secret"), "keep");
    int uid = (Integer) Files.getAttribute(temp, "unix:uid");
    int gid = (Integer) Files.getAttribute(temp, "unix:gid");
    tar = new TarBuilder(uid, gid).dir("ok/").file("ok/first", "written before the bad entry");
  }

  @Test
  void refusesADotDotComponent() throws IOException {
    UnsafeLayerException e = refused(tar.file("ok/../../../outside/secret", "overwritten"));
    assertTrue(e.getMessage().contains("has a '..' component"), e.getMessage());
  }

  @Test
  void refusesADotDotThatWouldStayInside() throws IOException {
    refused(tar.file("ok/../inside", "x"));
  }

  @Test
  void refusesALeadingDotDot() throws IOException {
    refused(tar.dir("../outside/"));
  }

  @Test
  void refusesAnEntryUnderASymlinkToTheOutside() throws IOException {
    UnsafeLayerException e = refused(tar.symlink("out", outside.toString()).file("out/secret", "overwritten"));
    assertTrue(e.getMessage().contains("lies under the symbolic link 'out'"), e.getMessage());
  }

  @Test
  void refusesAnEntryUnderARelativeSymlinkDeeperDown() throws IOException {
    refused(tar.symlink("ok/up", "../../../outside").dir("ok/up/new/"));
  }

  @Test
  void refusesAnEntryUnderASymlinkThatReplacedADirectory() throws IOException {
    refused(tar.dir("d/").file("d/a", "a").symlink("d", outside.toString()).file("d/secret", "overwritten"));
  }

  @Test
  void refusesAHardLinkOutOfTheLayer() throws IOException {
    refused(tar.hardLink("link", "../../outside/secret"));
  }

  @Test
  void refusesAHardLinkToAnAbsolutePathThatIsNoEarlierEntry() throws IOException {
    UnsafeLayerException e = refused(tar.hardLink("link", outside.resolve("secret").toString()));
    assertTrue(e.getMessage().contains("not an earlier file of this layer"), e.getMessage());
  }

  @Test
  void refusesAHardLinkToALaterEntry() throws IOException {
    refused(tar.hardLink("link", "later").file("later", "x"));
  }

  @Test
  void refusesAHardLinkThroughASymlinkThatReplacedItsDirectory() throws IOException {
    refused(tar.dir("d/").file("d/secret", "x").symlink("d", outside.toString()).hardLink("link", "d/secret"));
  }

  @Test
  void refusesAHardLinkToADirectory() throws IOException {
    refused(tar.hardLink("link", "ok"));
  }

  @Test
  void refusesAWhiteoutOfTheParent() throws IOException {
    refused(tar.file("ok/.wh..", ""));
  }

  @Test
  void anAbsoluteNameIsRelativeToTheLayerAsInDocker() throws IOException {
    Path blob = tar.file(outside.resolve("secret").toString(), "inside").write(temp.resolve("blob"), false);
    unpacker.unpack(blob, layer);
    assertEquals("keep", Files.readString(outside.resolve("secret")));
    assertEquals("inside", Files.readString(layer.resolve(outside.toString().substring(1)).resolve("secret")));
  }

  @Test
  void refusesZstdWithAClearError() throws IOException {
    Path blob = Files.write(temp.resolve("blob"), new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 0, 0});
    IOException e = assertThrows(IOException.class, () -> unpacker.unpack(blob, layer));
    assertTrue(e.getMessage().startsWith("Failed to unpack layer '" + blob + "' into '" + layer + "'"), e.getMessage());
    assertTrue(e.getMessage().endsWith("the layer is zstd-compressed, which is not supported"), e.getMessage());
  }

  @Test
  void aTruncatedLayerLeavesNothing() throws IOException {
    byte[] whole = tar.file("big", "x".repeat(20_000)).bytes(true);
    Path blob = Files.write(temp.resolve("blob"), java.util.Arrays.copyOf(whole, whole.length / 2));
    assertThrows(IOException.class, () -> unpacker.unpack(blob, layer));
    assertEmpty();
  }

  private UnsafeLayerException refused(TarBuilder built) throws IOException {
    Path blob = built.write(temp.resolve("blob"), true);
    UnsafeLayerException e = assertThrows(UnsafeLayerException.class, () -> unpacker.unpack(blob, layer));
    assertTrue(e.getMessage().startsWith("Failed to unpack layer '" + blob + "'"), e.getMessage());
    assertEmpty();
    assertEquals("keep", Files.readString(outside.resolve("secret")));
    try (Stream<Path> files = Files.list(outside)) {
      assertEquals(1, files.count(), "nothing new outside the layer");
    }
    return e;
  }

  private void assertEmpty() throws IOException {
    assertTrue(Files.isDirectory(layer), "the caller's directory stays");
    try (Stream<Path> files = Files.list(layer)) {
      assertFalse(files.findAny().isPresent(), "the layer directory is empty again");
    }
  }
}
