package io.corral.posix.launch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CorralInitTest {
  @TempDir Path dir;

  @Test
  void installsTheHelperOnceAsAnExecutableNamedCorralInit() throws Exception {
    Path helper = CorralInit.install(dir.resolve("bin"));
    assertEquals("corral-init", helper.getFileName().toString());
    assertEquals(dir.resolve("bin"), helper.getParent().getParent());
    assertEquals(16, helper.getParent().getFileName().toString().length());
    assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(helper)));
    try (InputStream in = CorralInit.class.getResourceAsStream(CorralInit.RESOURCE)) {
      assertArrayEquals(in.readAllBytes(), Files.readAllBytes(helper));
    }
    assertEquals(helper, CorralInit.install(dir.resolve("bin")));
    try (var files = Files.list(helper.getParent())) {
      assertEquals(1, files.count(), "no temp file left behind");
    }
    assertTrue(Files.isExecutable(helper));
  }
}
