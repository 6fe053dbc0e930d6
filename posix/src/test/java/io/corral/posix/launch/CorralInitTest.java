package io.corral.posix.launch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.posix.Errno;
import io.corral.posix.nativeimpl.NativeProcesses;
import io.corral.posix.testing.FakeLinux;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CorralInitTest {
  @TempDir Path dir;

  @Test
  void theHelperRunsFromOneSealedInMemoryCopyPerJvm() throws Exception {
    Path helper = CorralInit.install(dir.resolve("bin"));
    assertTrue(helper.toString().matches("/proc/self/fd/\\d+"), helper.toString());
    assertEquals(helper, CorralInit.install(dir.resolve("other")), "one copy, whatever the directory");
    assertFalse(Files.exists(dir.resolve("bin")), "nothing is written to the directory");
    assertArrayEquals(CorralInit.bytes(), Files.readAllBytes(helper));
    assertTrue(Files.readSymbolicLink(helper).toString().startsWith("/memfd:corral-init"));
    assertTrue(Files.isExecutable(helper));
  }

  @Test
  void theSealedCopyRefusesWritesResizesAndChmodEvenToRoot() throws Exception {
    int fd = NativeProcesses.create().sealedCopy("sealed-test", new byte[] {1, 2, 3});
    Path copy = Path.of("/proc/self/fd/" + fd);
    try (RandomAccessFile file = new RandomAccessFile(copy.toFile(), "rw")) { // the open succeeds
      assertThrows(IOException.class, () -> file.write(9));
      assertThrows(IOException.class, () -> file.setLength(1));
      assertThrows(IOException.class, () -> file.setLength(4));
    }
    if (kernelAtLeast(6, 3)) { // F_SEAL_EXEC
      assertThrows(IOException.class,
          () -> Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-------")));
    }
    assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(copy));
    assertTrue(Files.isExecutable(copy));
  }

  @Test
  void whereTheKernelRefusesAMemfdTheFileIsPrivateAndCheckedByDigest() throws Exception {
    FakeLinux fake = new FakeLinux().identity(1000, (Integer) Files.getAttribute(dir, "unix:uid"));
    fake.failNext("memfd_create", Errno.EACCES); // as with vm.memfd_noexec=2
    CorralInit init = new CorralInit(() -> fake.linux().processes());
    Path helper = init.path(dir.resolve("bin"));
    assertEquals("corral-init", helper.getFileName().toString());
    assertEquals(dir.resolve("bin"), helper.getParent().getParent());
    assertEquals("r-x------", PosixFilePermissions.toString(Files.getPosixFilePermissions(helper)));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(helper.getParent())));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("bin"))));
    assertArrayEquals(CorralInit.bytes(), Files.readAllBytes(helper));

    // A same-sized file of other bytes is not the helper: a new agent replaces it.
    byte[] planted = CorralInit.bytes();
    planted[planted.length / 2] ^= 1;
    Files.setPosixFilePermissions(helper, PosixFilePermissions.fromString("rwx------"));
    Files.write(helper, planted);
    fake.failNext("memfd_create", Errno.EACCES);
    Path again = new CorralInit(() -> fake.linux().processes()).path(dir.resolve("bin"));
    assertEquals(helper, again);
    assertArrayEquals(CorralInit.bytes(), Files.readAllBytes(again));
    try (var files = Files.list(helper.getParent())) {
      assertEquals(1, files.count(), "no temp file left behind");
    }
    assertEquals(helper, init.path(dir.resolve("bin")), "the kernel is asked once: no fault is scripted now");
  }

  private static boolean kernelAtLeast(int major, int minor) {
    String[] v = System.getProperty("os.version").split("[.-]");
    int got = Integer.parseInt(v[0]) * 1000 + Integer.parseInt(v[1]);
    return got >= major * 1000 + minor;
  }
}
