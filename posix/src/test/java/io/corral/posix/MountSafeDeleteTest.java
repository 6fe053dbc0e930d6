package io.corral.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mount-stopping recursive delete with a mount table written by the test (no root): what the
 * table lists below the root is kept with its contents and its parents, everything else goes,
 * and symbolic links are removed without being followed.
 */
class MountSafeDeleteTest {
  @TempDir Path temp;

  private Path table(Path... mountPoints) throws IOException {
    StringBuilder lines = new StringBuilder("22 1 8:1 / / rw - ext4 /dev/sda1 rw\n");
    int id = 30;
    for (Path point : mountPoints) {
      lines.append(id++).append(" 22 8:1 /host ").append(point.toString().replace(" ", "\\040"))
          .append(" rw - ext4 /dev/sda1 rw\n");
    }
    return Files.writeString(temp.resolve("mountinfo"), lines.toString());
  }

  @Test
  void aListedMountPointIsNeitherEnteredNorRemovedAndTheRestGoes() throws IOException {
    Path sandbox = Files.createDirectories(temp.resolve("work/sandbox")).toRealPath();
    Files.writeString(sandbox.resolve("stdout"), "x");
    Path volume = Files.createDirectories(sandbox.resolve("a/vol ume"));
    Files.writeString(volume.resolve("host-data"), "precious");
    Path file = Files.writeString(sandbox.resolve("a/bound-file"), "also precious");
    Files.createDirectories(sandbox.resolve("b/c"));
    Files.writeString(sandbox.resolve("b/c/own"), "y");

    List<Path> kept = MountSafeDelete.deleteRecursively(sandbox, table(volume, file));

    assertEquals(java.util.Set.of(volume, file), java.util.Set.copyOf(kept));
    assertEquals("precious", Files.readString(volume.resolve("host-data")));
    assertEquals("also precious", Files.readString(file));
    assertFalse(Files.exists(sandbox.resolve("stdout")));
    assertFalse(Files.exists(sandbox.resolve("b")));
    assertTrue(Files.isDirectory(sandbox.resolve("a")), "the parents of a mount point stay");
  }

  @Test
  void withoutMountsEverythingGoesAndLinksAreNotFollowed() throws IOException {
    Path outside = Files.createDirectories(temp.resolve("outside"));
    Files.writeString(outside.resolve("keep"), "k");
    Path sandbox = Files.createDirectories(temp.resolve("sandbox"));
    Files.createSymbolicLink(sandbox.resolve("link"), outside);
    Files.writeString(Files.createDirectories(sandbox.resolve("d")).resolve("f"), "f");

    assertEquals(List.of(), MountSafeDelete.deleteRecursively(sandbox, table()));

    assertFalse(Files.exists(sandbox));
    assertEquals("k", Files.readString(outside.resolve("keep")));
    assertEquals(List.of(), MountSafeDelete.deleteRecursively(sandbox, table()), "a missing root is no error");
  }

  @Test
  void aLinkAsTheRootIsRemovedNotItsTarget() throws IOException {
    Path outside = Files.createDirectories(temp.resolve("target"));
    Files.writeString(outside.resolve("keep"), "k");
    Path link = Files.createSymbolicLink(temp.resolve("root-link"), outside);

    MountSafeDelete.deleteRecursively(link, table());

    assertFalse(Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS));
    assertTrue(Files.exists(outside.resolve("keep")));
  }

  @Test
  void anUnreadableMountTableDeletesNothing() throws IOException {
    Path sandbox = Files.createDirectories(temp.resolve("s"));
    Files.writeString(sandbox.resolve("f"), "f");

    assertThrows(NoSuchFileException.class,
        () -> MountSafeDelete.deleteRecursively(sandbox, temp.resolve("no-mountinfo")));

    assertTrue(Files.exists(sandbox.resolve("f")));
  }
}
