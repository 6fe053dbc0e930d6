package io.corral.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrivateDirectoryTest {
  @TempDir Path tmp;
  private int uid;

  @BeforeEach
  void owner() throws IOException {
    uid = (Integer) Files.getAttribute(tmp, "unix:uid");
  }

  private static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  private String refusal(Path dir, int asUid) {
    return assertThrows(FileSystemException.class, () -> PrivateDirectory.ensure(dir, asUid)).getReason();
  }

  @Test
  void createsEveryMissingDirectory0700AndTightensAnExistingOne() throws IOException {
    Path dir = tmp.resolve("a/b/c");
    assertEquals(dir, PrivateDirectory.ensure(dir, uid));
    assertEquals("rwx------", mode(tmp.resolve("a")));
    assertEquals("rwx------", mode(dir));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
    PrivateDirectory.ensure(dir, uid);
    assertEquals("rwx------", mode(dir));
  }

  @Test
  void refusesADirectoryOfAnotherUserALinkOrAFile() throws IOException {
    Path dir = Files.createDirectory(tmp.resolve("d"));
    assertEquals("owned by uid " + uid + ", not " + (uid + 4242), refusal(dir, uid + 4242));
    Path link = Files.createSymbolicLink(tmp.resolve("link"), dir);
    assertEquals("not a directory (or a symbolic link)", refusal(link, uid));
    assertEquals("not a directory (or a symbolic link)", refusal(Files.writeString(tmp.resolve("f"), "x"), uid));
  }

  @Test
  void refusesAnAncestorOthersCanWriteUnlessItIsSticky() throws IOException {
    Path shared = Files.createDirectory(tmp.resolve("shared"));
    Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
    assertEquals("its ancestor '" + shared + "' is writable by others and not sticky",
        refusal(shared.resolve("mine"), uid));
    Files.setAttribute(shared, "unix:mode", 01777); // as /tmp
    PrivateDirectory.ensure(shared.resolve("mine"), uid);
  }
}
