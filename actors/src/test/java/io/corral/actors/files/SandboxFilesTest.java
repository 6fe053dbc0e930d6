package io.corral.actors.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.actors.Layout;
import io.corral.proto.v1.FileInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The virtual paths, confinement, listing and reads of {@link SandboxFiles}, on real files. */
class SandboxFilesTest {
  @TempDir Path tmp;
  private Layout layout;
  private SandboxFiles files;
  private Path log;

  @BeforeEach
  void sandbox() throws IOException {
    layout = new Layout(tmp.resolve("work"), tmp.resolve("run"));
    Path sandbox = Files.createDirectories(layout.sandbox("a"));
    Files.createDirectories(layout.sandbox("b"));
    Files.writeString(sandbox.resolve("stdout"), "hello\n");
    Files.createDirectory(sandbox.resolve("d"));
    Files.writeString(tmp.resolve("work/secret"), "s3cret");
    Files.writeString(layout.sandbox("b").resolve("stdout"), "bee");
    Files.createSymbolicLink(sandbox.resolve("out"), tmp.resolve("work/secret"));
    Files.createSymbolicLink(sandbox.resolve("neighbour"), layout.sandbox("b").resolve("stdout"));
    Files.createSymbolicLink(sandbox.resolve("in"), Path.of("stdout"));
    log = Files.writeString(tmp.resolve("agent.log"), "log line\n");
    files = new SandboxFiles(layout, Optional.of(log));
  }

  private SandboxFiles.Target target(String path) {
    return files.attached(path, Set.of("a", "b")).orElseThrow();
  }

  private String read(String path) throws FilesException {
    return new String(files.read(target(path), 0, OptionalLong.empty()).data(),
        StandardCharsets.UTF_8);
  }

  @Test
  void bothVirtualPathsOfASandboxAndTheLogAreAttached() throws FilesException {
    assertEquals("hello\n", read("/containers/a/stdout"));
    assertEquals("hello\n", read(layout.sandbox("a") + "/stdout"));
    assertEquals("hello\n", read("/containers/a//stdout/"));
    assertEquals("hello\n", read("/containers/a/in"));
    assertEquals("log line\n", read("/slave/log"));
    assertInstanceOf(SandboxFiles.AgentLog.class, target("/slave/log"));
  }

  @Test
  void unknownContainersAndOtherPathsAreNotAttached() {
    for (String path : List.of("/containers/c/stdout", "/containers/../work/secret", "/etc/passwd",
        "/containers", "/slave/log/x", tmp + "/work/secret", "relative")) {
      assertTrue(files.attached(path, Set.of("a", "b")).isEmpty(), path);
    }
  }

  @Test
  void pathsLeavingTheSandboxAreRefusedAsInaccessible() {
    for (String path : List.of("/containers/a/../../secret", "/containers/a/out",
        "/containers/a/neighbour", "/containers/a/..", "/containers/a/d/../../b/stdout",
        "/containers/a/../../nothing-there")) {
      FilesException e = assertThrows(FilesException.class, () -> read(path), path);
      assertEquals(FilesException.Kind.INVALID, e.kind(), path);
      assertTrue(e.getMessage().endsWith("is inaccessible"), e.getMessage());
    }
  }

  @Test
  void missingFilesAndDirectoriesAreRefused() {
    assertEquals(FilesException.Kind.NOT_FOUND,
        assertThrows(FilesException.class, () -> read("/containers/a/none")).kind());
    FilesException dir = assertThrows(FilesException.class, () -> read("/containers/a/d"));
    assertEquals(FilesException.Kind.INVALID, dir.kind());
    assertEquals("Cannot read a directory", dir.getMessage());
  }

  @Test
  void readsFromAnOffsetForALengthCappedAtSixteenPages() throws Exception {
    SandboxFiles.Target stdout = target("/containers/a/stdout");
    SandboxFiles.Chunk middle = files.read(stdout, 1, OptionalLong.of(3));
    assertEquals(6, middle.size());
    assertArrayEquals("ell".getBytes(StandardCharsets.UTF_8), middle.data());
    assertEquals(0, files.read(stdout, 6, OptionalLong.empty()).data().length);
    assertEquals(0, files.read(stdout, 100, OptionalLong.of(5)).data().length);
    assertEquals(0, files.read(stdout, 0, OptionalLong.of(0)).data().length);
    Files.write(layout.sandbox("a").resolve("big"), new byte[SandboxFiles.MAX_READ * 2 + 7]);
    SandboxFiles.Chunk big = files.read(target("/containers/a/big"), 5, OptionalLong.empty());
    assertEquals(SandboxFiles.MAX_READ * 2 + 7, big.size());
    assertEquals(SandboxFiles.MAX_READ, big.data().length);
  }

  @Test
  void browseListsEntriesSortedAndLinksOutOfTheSandboxAsLinks() throws Exception {
    List<FileInfo> listing = files.browse(target("/containers/a/"), "/containers/a/");
    assertEquals(List.of("/containers/a/d", "/containers/a/in", "/containers/a/neighbour",
        "/containers/a/out", "/containers/a/stdout"),
        listing.stream().map(FileInfo::getPath).toList());
    assertEquals(0040000, listing.get(0).getMode() & 0170000, "a directory");
    assertEquals(0100000, listing.get(1).getMode() & 0170000, "a link inside is followed");
    assertEquals(6, listing.get(1).getSize());
    assertEquals(0120000, listing.get(3).getMode() & 0170000, "a link out is a link");
    assertTrue(files.browse(target("/containers/a/stdout"), "/containers/a/stdout").isEmpty());
  }

  @Test
  void debugNamesEveryAttachedPath() {
    assertEquals(Set.of("/slave/log", "/containers/a", layout.sandbox("a").toString()),
        files.debug(Set.of("a")).keySet());
  }
}
