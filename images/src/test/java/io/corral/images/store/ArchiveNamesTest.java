package io.corral.images.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.images.ImageReference;
import org.junit.jupiter.api.Test;

/** How archive entries and the names inside archives are matched. */
class ArchiveNamesTest {

  @Test
  void entryNamesStayInsideTheArchive() {
    assertEquals("a/c", ArchiveEntries.normalize("./a/./b/../c"));
    assertEquals("abc.tar", ArchiveEntries.normalize("id/../abc.tar"));
    assertEquals("x/layer.tar", ArchiveEntries.normalize("x//layer.tar"));
    assertNull(ArchiveEntries.normalize("../etc/passwd"), "climbs above the root");
    assertNull(ArchiveEntries.normalize("a/../../b"));
    assertNull(ArchiveEntries.normalize("/etc/passwd"), "absolute");
    assertNull(ArchiveEntries.normalize("."));
  }

  @Test
  void dockerHubSpellingsAreOneName() {
    ImageReference busybox = ImageReference.parse("busybox:test").normalize(null);
    assertTrue(ArchiveSource.sameImage("docker.io/library/busybox:test", busybox));
    assertTrue(ArchiveSource.sameImage("busybox:test", busybox));
    assertTrue(ArchiveSource.sameImage("index.docker.io/library/busybox:test", busybox));
    assertTrue(ArchiveSource.sameImage("library/busybox:test", busybox));
    assertFalse(ArchiveSource.sameImage("busybox:latest", busybox));
    assertFalse(ArchiveSource.sameImage("quay.io/busybox:test", busybox));
    assertFalse(ArchiveSource.sameImage("Not A Name", busybox));
    ImageReference local = ImageReference.parse("localhost:5000/tools/sh").normalize(null);
    assertTrue(ArchiveSource.sameImage("localhost:5000/tools/sh:latest", local));
    assertFalse(ArchiveSource.sameImage("tools/sh:latest", local));
  }
}
