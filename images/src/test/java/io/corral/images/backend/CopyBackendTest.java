package io.corral.images.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.posix.FileNodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The copy backend's layering rules on plain directories (owned by the user running the test):
 * whiteouts before files, opaque directories, replacement of links and directories, and no way
 * out through a link a lower layer left in the root filesystem.
 */
class CopyBackendTest {
  @TempDir
  Path temp;
  private final CopyBackend backend = new CopyBackend(FileNodes.nativeDefault());

  @Test
  void appliesEachLayersWhiteoutsBeforeItsFiles() throws IOException {
    Path lower = layer("lower", "etc/keep", "etc/removed", "etc/gone.d/a", "etc/opq.d/old");
    Path upper = layer("upper", "etc/.wh.removed", "etc/.wh.gone.d", "etc/opq.d/.wh..wh..opq", "etc/opq.d/new");

    Path rootfs = backend.provision(List.of(lower, upper), Files.createDirectories(temp.resolve("c")));

    assertEquals(List.of("keep", "opq.d"), list(rootfs.resolve("etc")));
    assertEquals(List.of("new"), list(rootfs.resolve("etc/opq.d")));
  }

  @Test
  void aWhiteoutUnderALinkOfALowerLayerRemovesNothingOutside() throws IOException {
    Path outside = Files.createDirectories(temp.resolve("outside"));
    Files.writeString(outside.resolve("secret"), "keep");
    Path lower = layer("lower", "etc/keep");
    Files.createSymbolicLink(lower.resolve("escape"), outside);
    Path upper = layer("upper", "escape/.wh.secret");

    Path rootfs = backend.provision(List.of(lower, upper), Files.createDirectories(temp.resolve("c")));

    assertEquals("keep", Files.readString(outside.resolve("secret")));
    assertTrue(Files.isDirectory(rootfs.resolve("escape"), LinkOption.NOFOLLOW_LINKS),
        "the layer's directory replaced the link, as in the overlay view");
    assertEquals(List.of(), list(rootfs.resolve("escape")));
  }

  @Test
  void aFileReplacesADirectoryAndADirectoryReplacesAFile() throws IOException {
    Path lower = layer("lower", "a/inside", "b");
    Path upper = layer("upper", "b/inside");
    Files.writeString(upper.resolve("a"), "now a file");

    Path rootfs = backend.provision(List.of(lower, upper), Files.createDirectories(temp.resolve("c")));

    assertEquals("now a file", Files.readString(rootfs.resolve("a")));
    assertEquals(List.of("inside"), list(rootfs.resolve("b")));
  }

  @Test
  void aFailedCopyLeavesNoRootfs() throws IOException {
    Path container = Files.createDirectories(temp.resolve("c"));
    Path missing = temp.resolve("store/missing");
    IOException e = assertThrows(IOException.class,
        () -> backend.provision(List.of(layer("l", "f"), missing), container));
    assertTrue(e.getMessage().startsWith("Failed to provision a copied rootfs in '" + container
        + "': copying layer '" + missing + "': "), e.getMessage());
    assertEquals(List.of(), list(container));
  }

  @Test
  void destroyRemovesTheContainerDirectoryAndIsIdempotent() throws IOException {
    Path container = Files.createDirectories(temp.resolve("c"));
    backend.provision(List.of(layer("l", "f")), container);
    backend.destroy(container);
    assertFalse(Files.exists(container));
    backend.destroy(container);
  }

  private Path layer(String name, String... files) throws IOException {
    Path layer = Files.createDirectories(temp.resolve("store").resolve(name));
    for (String file : files) {
      Files.createDirectories(layer.resolve(file).getParent());
      Files.writeString(layer.resolve(file), file);
    }
    return layer;
  }

  private static List<String> list(Path dir) throws IOException {
    try (Stream<Path> children = Files.list(dir)) {
      return children.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
