package io.corral.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one mountinfo parser: fields, optional fields, escapes, malformed lines, mounts below a path. */
class MountInfoTest {

  @Test
  void everyFieldIsParsedAroundTheOptionalOnes() {
    List<MountInfo.Entry> entries = MountInfo.parse(List.of(
        "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw",
        "44 22 7:1 /sub /var/tmp/y rw,nosuid shared:9 master:2 - xfs /dev/loop1 rw,prjquota",
        "45 22 0:50 / /run/z ro - tmpfs tmpfs rw,size=64k"));
    assertEquals(new MountInfo.Entry(44, 22, "7:1", "/sub", Path.of("/var/tmp/y"), "rw,nosuid", "xfs",
        "/dev/loop1", "rw,prjquota"), entries.get(1));
    assertEquals("tmpfs", entries.get(2).fsType());
    assertEquals(3, entries.size());
  }

  @Test
  void octalEscapesAreUndoneInPathsAndSources() {
    MountInfo.Entry e = MountInfo.parse(List.of(
        "50 22 7:2 /a\\134b /var/tmp/with\\040space\\011tab rw - xfs my\\040disk rw")).get(0);
    assertEquals(Path.of("/var/tmp/with space\ttab"), e.mountPoint());
    assertEquals("/a\\b", e.root());
    assertEquals("my disk", e.source());
    assertEquals("x\\09", MountInfo.unescape("x\\09"), "not three octal digits: kept as is");
    assertEquals("end\\04", MountInfo.unescape("end\\04"));
  }

  @Test
  void malformedLinesAreSkipped() {
    List<MountInfo.Entry> entries = MountInfo.parse(List.of("", "garbage", "1 2 3 4 5 6 7",
        "x 1 8:1 / / rw - ext4 /dev/sda rw", "30 22 0:5 / /dev rw - devtmpfs",
        "30 22 0:5 / /dev rw - devtmpfs udev rw"));
    assertEquals(1, entries.size());
    assertEquals(Path.of("/dev"), entries.get(0).mountPoint());
  }

  @Test
  void mountPointsStrictlyBelowAPathOnceEachInMountOrder() {
    List<MountInfo.Entry> entries = MountInfo.parse(List.of(
        "22 1 8:1 / / rw - ext4 /dev/sda1 rw",
        "31 22 0:6 / /w/c/s rw - tmpfs tmpfs rw",
        "32 31 8:1 /host /w/c/s/vol rw - ext4 /dev/sda1 rw",
        "33 31 0:7 / /w/c/s/vol rw - tmpfs tmpfs rw",
        "34 22 0:8 / /w/c/sibling rw - tmpfs tmpfs rw"));
    assertEquals(List.of(Path.of("/w/c/s/vol")), MountInfo.under(entries, Path.of("/w/c/s")));
    assertEquals(List.of(Path.of("/w/c/s"), Path.of("/w/c/s/vol"), Path.of("/w/c/sibling")),
        MountInfo.under(entries, Path.of("/w/c")));
  }

  @Test
  void theRealTableHasARootAndAMissingFileIsAnIoError() throws IOException {
    List<MountInfo.Entry> self = MountInfo.read(MountInfo.SELF);
    assertTrue(self.stream().anyMatch(e -> e.mountPoint().equals(Path.of("/"))), self.toString());
    assertEquals(Path.of("/proc/42/mountinfo"), MountInfo.of(42));
    assertThrows(NoSuchFileException.class, () -> MountInfo.read(Path.of("/nonexistent/mountinfo")));
  }
}
