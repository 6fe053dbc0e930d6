package io.corral.images.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.images.unpack.WhiteoutFormat;
import io.corral.posix.Errno;
import io.corral.posix.FileNodes;
import io.corral.posix.LinuxException;
import io.corral.posix.OverlayMounts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The overlay backend's checks before it mounts, and its clean-up after a failed mount, with a
 * scripted {@link OverlayMounts} (the real mount is in {@link RootfsBackendsIT}). Runs as any user.
 */
class OverlayBackendTest {
  @TempDir
  Path temp;
  private final List<String> mounted = new ArrayList<>();

  private final OverlayMounts recording = new OverlayMounts() {
    @Override
    public void mountOverlay(Path target, String options) {
      mounted.add(target + " " + options);
    }

    @Override
    public void unmount(Path target, boolean detach) {
      throw new AssertionError("not mounted");
    }
  };

  @Test
  void mountsTheLinksTopMostFirstWithUpperAndWorkInTheContainerDirectory() throws IOException {
    Path container = Files.createDirectories(temp.resolve("c"));
    List<Path> layers = List.of(layer("bottom"), layer("middle"), layer("top"));

    Path rootfs = new OverlayBackend(recording).provision(layers, container);

    assertEquals(container.resolve("rootfs"), rootfs);
    assertEquals(List.of(rootfs + " lowerdir=" + container + "/links/2:" + container + "/links/1:" + container
        + "/links/0,upperdir=" + container + "/upper,workdir=" + container + "/work"), mounted);
    for (int i = 0; i < layers.size(); i++) {
      assertEquals(layers.get(i), Files.readSymbolicLink(container.resolve("links/" + i)));
    }
  }

  @Test
  void refusesOptionsLongerThanAPageBeforeMounting() throws IOException {
    Path container = Files.createDirectories(temp.resolve("c-" + "x".repeat(200)));
    List<Path> layers = Collections.nCopies(30, layer("l"));

    IOException e = assertThrows(IOException.class, () -> new OverlayBackend(recording).provision(layers, container));

    assertTrue(e.getMessage().startsWith("Failed to provision an overlay rootfs in '" + container
        + "': the mount options for 30 layers are "), e.getMessage());
    assertTrue(e.getMessage().endsWith(" bytes, more than the kernel's 4095"), e.getMessage());
    assertEquals(List.of(), mounted);
    assertEquals(List.of(), list(container));
  }

  @Test
  void refusesAContainerPathOverlayOptionsCannotCarry() throws IOException {
    Path container = Files.createDirectories(temp.resolve("a,b"));
    IOException e = assertThrows(IOException.class,
        () -> new OverlayBackend(recording).provision(List.of(layer("l")), container));
    assertTrue(e.getMessage().endsWith("which overlay options cannot carry"), e.getMessage());
  }

  @Test
  void refusesNoLayers() throws IOException {
    IOException e = assertThrows(IOException.class, () -> new OverlayBackend(recording).provision(List.of(), temp));
    assertEquals("Failed to provision an overlay rootfs in '" + temp + "': no layers", e.getMessage());
  }

  @Test
  void aFailedMountLeavesTheContainerDirectoryAsItWas() throws IOException {
    Path container = Files.createDirectories(temp.resolve("c"));
    OverlayMounts failing = new OverlayMounts() {
      @Override
      public void mountOverlay(Path target, String options) {
        throw new LinuxException("mount", Errno.EINVAL, "dst='" + target + "'");
      }

      @Override
      public void unmount(Path target, boolean detach) {}
    };

    IOException e = assertThrows(IOException.class,
        () -> new OverlayBackend(failing).provision(List.of(layer("l")), container));

    assertTrue(e.getMessage().endsWith(": mount dst='" + container.resolve("rootfs") + "': EINVAL (Invalid argument)"),
        e.getMessage());
    assertEquals(List.of(), list(container));
  }

  @Test
  void readsOverlaySupportFromProcFilesystems() throws IOException {
    Path with = Files.writeString(temp.resolve("with"), "nodev\tsysfs\n\text4\nnodev\toverlay\n");
    Path without = Files.writeString(temp.resolve("without"), "nodev\tsysfs\n\text4\nnodev\toverlayish\n");
    assertTrue(OverlayBackend.kernelHasOverlay(with));
    assertFalse(OverlayBackend.kernelHasOverlay(without));
    assertFalse(OverlayBackend.onOverlay(temp.resolve("not/yet/made")), "the nearest existing parent counts");
  }

  @Test
  void backendsAreNamedAsInMesos() {
    Backends backends = new Backends(FileNodes.nativeDefault(), recording);
    assertEquals("overlay", backends.byName("overlay").name());
    assertEquals("copy", backends.byName("copy").name());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> backends.byName("aufs"));
    assertEquals("Unknown image provisioner backend 'aufs'; expected 'overlay' or 'copy'", e.getMessage());
    assertEquals(WhiteoutFormat.OVERLAY, Backends.whiteouts("overlay"));
    assertEquals(WhiteoutFormat.COPY, Backends.whiteouts("copy"));
  }

  private Path layer(String name) throws IOException {
    return Files.createDirectories(temp.resolve("store").resolve(name));
  }

  private static List<String> list(Path dir) throws IOException {
    try (Stream<Path> children = Files.list(dir)) {
      return children.map(p -> p.getFileName().toString()).toList();
    }
  }
}
