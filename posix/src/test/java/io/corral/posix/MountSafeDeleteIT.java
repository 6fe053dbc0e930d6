package io.corral.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.posix.testing.TestDirectories;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The mount-stopping delete on the real kernel: a bind mount of a host directory of the same file
 * system (same {@code st_dev}: only the mount table tells) and a tmpfs mounted after the table
 * was read (only {@code st_dev} tells) both survive the deletion of the directory above them.
 */
@Tag("root")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MountSafeDeleteIT {
  private static boolean root() {
    return "root".equals(System.getProperty("user.name"));
  }

  @Test
  void aBindMountOfTheSameFileSystemKeepsItsHostFiles() throws Exception {
    assumeTrue(root(), "needs root: mount(2)");
    Path dir = TestDirectories.notUnderTmp("mount-safe-delete", "bind-");
    Path host = Files.createDirectories(dir.resolve("host"));
    Files.writeString(host.resolve("data"), "host data");
    Path sandbox = Files.createDirectories(dir.resolve("sandbox"));
    Files.writeString(sandbox.resolve("stdout"), "out");
    Path volume = Files.createDirectories(sandbox.resolve("vol"));
    run("mount", "--bind", host.toString(), volume.toString());
    try {
      assertEquals(Files.getAttribute(host, "unix:dev"), Files.getAttribute(sandbox, "unix:dev"),
          "the test needs a bind of the same file system");

      List<Path> kept = MountSafeDelete.deleteRecursively(sandbox);

      assertEquals(List.of(volume), kept);
      assertEquals("host data", Files.readString(host.resolve("data")));
      assertEquals("host data", Files.readString(volume.resolve("data")), "the mount is untouched");
      assertFalse(Files.exists(sandbox.resolve("stdout")));
    } finally {
      run("umount", volume.toString());
    }
    assertEquals(List.of(), MountSafeDelete.deleteRecursively(sandbox), "once unmounted it all goes");
    assertFalse(Files.exists(sandbox));
    assertEquals("host data", Files.readString(host.resolve("data")));
  }

  @Test
  void aMountTheTableDoesNotListIsStillKeptByItsDevice() throws Exception {
    assumeTrue(root(), "needs root: mount(2)");
    Path dir = TestDirectories.notUnderTmp("mount-safe-delete", "dev-");
    Path sandbox = Files.createDirectories(dir.resolve("sandbox"));
    Path tmpfs = Files.createDirectories(sandbox.resolve("deep/tmpfs"));
    run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", tmpfs.toString());
    try {
      Files.writeString(tmpfs.resolve("data"), "on tmpfs");
      Path staleTable = Files.writeString(dir.resolve("mountinfo"), "");

      List<Path> kept = MountSafeDelete.deleteRecursively(sandbox, staleTable);

      assertEquals(List.of(tmpfs), kept);
      assertEquals("on tmpfs", Files.readString(tmpfs.resolve("data")));
      assertTrue(Files.isDirectory(sandbox.resolve("deep")));
    } finally {
      run("umount", tmpfs.toString());
    }
  }

  private static void run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + output);
  }
}
