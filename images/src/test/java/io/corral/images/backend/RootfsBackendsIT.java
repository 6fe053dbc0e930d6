package io.corral.images.backend;

import static io.corral.images.unpack.TarBuilder.owner;
import static io.corral.images.unpack.TarBuilder.xattrs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.images.unpack.TarBuilder;
import io.corral.images.unpack.TarLayerUnpacker;
import io.corral.images.unpack.WhiteoutFormat;
import io.corral.posix.FileNodes;
import io.corral.posix.MountInfo;
import io.corral.posix.OverlayMounts;
import io.corral.posix.testing.TestDirectories;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The overlay and copy backends on the real kernel, as root: a three-layer image with busybox,
 * whiteouts, an opaque directory, hard and symbolic links, a device, a FIFO, a setuid file and
 * xattrs is unpacked in each whiteout form and provisioned by each backend; both roots are the
 * same tree, run busybox under chroot, and leave nothing once destroyed.
 */
@Tag("root")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RootfsBackendsIT {
  private static final Path BUSYBOX = Path.of("/bin/busybox");
  private final FileNodes nodes = FileNodes.nativeDefault();
  private final Backends backends = new Backends(nodes, OverlayMounts.nativeDefault());
  private final List<Path> containers = new ArrayList<>();
  private Path dir;

  @BeforeEach
  void setUp() throws IOException {
    assumeTrue("root".equals(System.getProperty("user.name")), "needs root: mount(2), mknod(2), chown");
    assumeTrue(OverlayBackend.kernelHasOverlay(Path.of("/proc/filesystems")), "needs overlayfs in the kernel");
    assumeTrue(Files.isRegularFile(BUSYBOX), "needs /bin/busybox (busybox-static)");
    dir = TestDirectories.notUnderTmp("rootfs-backends", "img-");
    assumeTrue(OverlayBackend.supported(dir), "needs a test directory that is not on overlayfs");
  }

  @AfterEach
  void tearDown() throws IOException {
    for (Path container : containers) {
      backendOf(container).destroy(container);
    }
  }

  private RootfsBackend backendOf(Path container) {
    return backends.byName(container.getFileName().toString().startsWith("overlay") ? "overlay" : "copy");
  }

  @Test
  void overlayAndCopyMakeTheSameUsableRootfs() throws Exception {
    List<Path> overlayLayers = unpack(image(), WhiteoutFormat.OVERLAY);
    List<Path> copyLayers = unpack(image(), WhiteoutFormat.COPY);
    Map<String, String> lowerBefore = TreeSnapshot.of(overlayLayers.get(0), nodes);

    Path overlay = provision("overlay", overlayLayers);
    Path copy = provision("copy", copyLayers);
    Path copyOfOverlayLayers = provision("copy", overlayLayers, "copy-of-overlay-layers");

    assertEquals(Map.of(), TreeSnapshot.difference(TreeSnapshot.of(copy, nodes), TreeSnapshot.of(overlay, nodes)),
        "copy (left) and overlay (right) differ");
    assertEquals(Map.of(), TreeSnapshot.difference(TreeSnapshot.of(copy, nodes),
        TreeSnapshot.of(copyOfOverlayLayers, nodes)), "copy of copy layers and copy of overlay layers differ");
    for (Path root : List.of(overlay, copy)) {
      assertFalse(Files.exists(root.resolve("etc/removed"), LinkOption.NOFOLLOW_LINKS));
      assertFalse(Files.exists(root.resolve("etc/gone.d"), LinkOption.NOFOLLOW_LINKS));
      assertEquals(List.of("new"), names(root.resolve("etc/opq.d")));
      assertEquals(3, attr(root, "bin/busybox", "nlink"));
      assertEquals(0104755, attr(root, "usr/bin/su", "mode"));
      assertEquals("hi\n", chroot(root, "echo hi"));
      assertEquals("1000:1000 updated\n", chroot(root, "stat -c %u:%g /home/user/.profile | tr -d '\\n'; echo \" $(cat /home/user/.profile)\""));
    }
    assertFalse(TreeSnapshot.of(overlay, nodes).toString().contains(".wh."), "no markers in the root");

    Files.writeString(overlay.resolve("etc/newfile"), "written");
    Files.writeString(overlay.resolve("etc/passwd"), "changed");
    Path upper = overlay.resolveSibling("upper");
    assertEquals("written", Files.readString(upper.resolve("etc/newfile")));
    assertEquals("changed", Files.readString(upper.resolve("etc/passwd")));
    assertEquals(lowerBefore, TreeSnapshot.of(overlayLayers.get(0), nodes), "the layers are untouched");
    for (Path layer : overlayLayers) {
      assertFalse(Files.exists(layer.resolve("etc/newfile")));
    }

    destroyAll();
  }

  @Test
  void thirtyLayersUnderLongStorePathsMountThroughShortLinks() throws Exception {
    Path store = dir.resolve("a-store-directory-with-a-deliberately-long-name-".repeat(3) + "end");
    List<Path> layers = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      TarBuilder layer = new TarBuilder(0, 0).file("which", Integer.toString(i)).file("layer-" + i, "x");
      Path layerDir = Files.createDirectories(store.resolve("sha256-" + "0123456789abcdef".repeat(4) + "-" + i));
      new TarLayerUnpacker(nodes, WhiteoutFormat.OVERLAY).unpack(layer.write(dir.resolve("blob"), true), layerDir);
      layers.add(layerDir);
    }
    int direct = layers.stream().mapToInt(p -> p.toString().length() + 1).sum();
    assertTrue(direct > 4096, "the store paths alone (" + direct + " bytes) overflow the option page");

    Path root = provision("overlay", layers);

    assertEquals("29", Files.readString(root.resolve("which")), "the last layer is on top");
    for (int i = 0; i < 30; i++) {
      assertTrue(Files.exists(root.resolve("layer-" + i)));
    }
    destroyAll();
  }

  @Test
  void anOverlayStoreIsNotSupportedAndRefusedWithAClearMessage() throws Exception {
    Path lower = Files.createDirectories(dir.resolve("lower"));
    Files.writeString(lower.resolve("f"), "f");
    Path root = provision("overlay", List.of(lower));
    Path onOverlay = Files.createDirectories(root.resolve("store/container"));

    assertFalse(OverlayBackend.supported(root.resolve("store")));
    assertEquals("copy", backends.defaultFor(root.resolve("store")).name());
    assertEquals("overlay", backends.defaultFor(dir).name());
    IOException e = assertThrows(IOException.class,
        () -> backends.byName("overlay").provision(List.of(lower), onOverlay));
    assertEquals("Failed to provision an overlay rootfs in '" + onOverlay + "': it is on overlayfs, which cannot"
        + " hold an upper directory; use the copy backend", e.getMessage());
    assertEquals(List.of(), names(onOverlay), "nothing is made");
    Path copied = backends.byName("copy").provision(List.of(lower), onOverlay);
    assertEquals("f", Files.readString(copied.resolve("f")), "copy works on overlayfs");

    destroyAll();
    backends.byName("overlay").destroy(dir.resolve("containers/overlay"));
  }

  /** Three layers: a busybox base, one that deletes and hides, one that adds on top. */
  private static List<TarBuilder> image() throws IOException {
    byte[] busybox = Files.readAllBytes(BUSYBOX);
    TarBuilder base = new TarBuilder(0, 0)
        .dir("bin/").file("bin/busybox", busybox, 0755, e -> {})
        .hardLink("bin/sh", "bin/busybox").hardLink("bin/cat", "bin/busybox")
        .symlink("bin/stat", "busybox").symlink("bin/tr", "/bin/busybox").symlink("bin/echo", "busybox")
        .dir("etc/").file("etc/passwd", "root:x:0:0::/:/bin/sh\n").file("etc/removed", "old")
        .dir("etc/gone.d/").file("etc/gone.d/a", "a")
        .dir("etc/opq.d/").file("etc/opq.d/old1", "1").file("etc/opq.d/old2", "2")
        .dir("dev/").node("dev/null", TarConstants.LF_CHR, 0666, 1, 3)
        .dir("usr/").dir("usr/bin/").file("usr/bin/su", "su", 04755, owner(0, 0))
        .dir("home/").dir("home/user/", 0700, owner(1000, 1000)).file("home/user/.profile", "original", 0644, owner(1000, 1000))
        .dir("tmp/", 01777, e -> {}).symlink("lib", "usr/lib").dir("usr/lib/")
        .file("data", "d", 0640, xattrs(Map.of("user.origin", "base", "trusted.corral", "t")));
    TarBuilder deletes = new TarBuilder(0, 0)
        .dir("etc/").file("etc/.wh.removed", "").file("etc/.wh.gone.d", "")
        .dir("etc/opq.d/").file("etc/opq.d/.wh..wh..opq", "").file("etc/opq.d/new", "new")
        .dir("home/").dir("home/user/", 0700, owner(1000, 1000)).file("home/user/.profile", "updated", 0600, owner(1000, 1000))
        .dir("run/").node("run/fifo", TarConstants.LF_FIFO, 0600, 0, 0);
    TarBuilder adds = new TarBuilder(0, 0)
        .dir("etc/").file("etc/added", "late")
        .dir("bin/").symlink("bin/ls", "busybox").hardLink("bin/ln", "bin/ls");
    return List.of(base, deletes, adds);
  }

  private List<Path> unpack(List<TarBuilder> image, WhiteoutFormat format) throws IOException {
    List<Path> layers = new ArrayList<>();
    for (int i = 0; i < image.size(); i++) {
      Path blob = image.get(i).write(dir.resolve("blob-" + i + ".tar.gz"), true);
      Path layer = Files.createDirectories(dir.resolve("store").resolve(format.name()).resolve(Integer.toString(i)));
      new TarLayerUnpacker(nodes, format).unpack(blob, layer);
      layers.add(layer);
    }
    return layers;
  }

  private Path provision(String backend, List<Path> layers) throws IOException {
    return provision(backend, layers, backend);
  }

  private Path provision(String backend, List<Path> layers, String name) throws IOException {
    Path container = Files.createDirectories(dir.resolve("containers").resolve(name));
    containers.add(container);
    return backends.byName(backend).provision(layers, container);
  }

  /** Destroys every container, then checks that no directory and no mount is left. */
  private void destroyAll() throws IOException {
    for (Path container : containers) {
      backendOf(container).destroy(container);
      assertFalse(Files.exists(container, LinkOption.NOFOLLOW_LINKS), container + " is gone");
    }
    assertEquals(List.of(), MountInfo.under(MountInfo.read(MountInfo.SELF), dir), "no mount is left");
    containers.clear();
  }

  private static String chroot(Path root, String script) throws IOException, InterruptedException {
    Process process = new ProcessBuilder("chroot", root.toString(), "/bin/sh", "-c", script)
        .redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(30, TimeUnit.SECONDS), "chroot exits");
    assertEquals(0, process.exitValue(), output);
    return output;
  }

  private static Object attr(Path root, String name, String attribute) throws IOException {
    return Files.getAttribute(root.resolve(name), "unix:" + attribute, LinkOption.NOFOLLOW_LINKS);
  }

  private static List<String> names(Path directory) throws IOException {
    try (Stream<Path> children = Files.list(directory)) {
      return children.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
