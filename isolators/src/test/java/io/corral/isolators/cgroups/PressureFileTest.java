package io.corral.isolators.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.posix.testing.FakeLinux;
import io.corral.proto.v1.PressureStatistics;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Parsing the kernel's {@code *.pressure} files, and what a read makes of absent or odd ones. */
class PressureFileTest {
  @Test
  void someAndFullLinesAreParsed() {
    PressureStatistics figures = PressureFile.parse(
        "some avg10=12.99 avg60=6.53 avg300=18.01 total=28178022077\n"
            + "full avg10=0.50 avg60=0.25 avg300=0.00 total=1234\n");
    assertEquals(12.99, figures.getSomeAvg10(), 1e-9);
    assertEquals(6.53, figures.getSomeAvg60(), 1e-9);
    assertEquals(18.01, figures.getSomeAvg300(), 1e-9);
    assertEquals(28178022077L, figures.getSomeTotalMicrosecs());
    assertEquals(0.5, figures.getFullAvg10(), 1e-9);
    assertEquals(0.25, figures.getFullAvg60(), 1e-9);
    assertEquals(1234, figures.getFullTotalMicrosecs());
  }

  @Test
  void anOldKernelsCpuPressureWithoutAFullLineLeavesFullUnset() {
    PressureStatistics figures = PressureFile.parse("some avg10=0.00 avg60=0.00 avg300=0.00 total=7");
    assertEquals(7, figures.getSomeTotalMicrosecs());
    assertFalse(figures.hasFullTotalMicrosecs());
    assertFalse(figures.hasFullAvg10());
  }

  @Test
  void unknownKeysAndLineKindsAreIgnored() {
    PressureStatistics figures = PressureFile.parse(
        "some avg10=1.00 avg60=2.00 avg300=3.00 total=4 avg900=5.00\nnewkind x=1\n");
    assertEquals(4, figures.getSomeTotalMicrosecs());
  }

  @Test
  void malformedContentIsRefusedNamingTheLine() {
    assertEquals("no 'some' line", refusal("full avg10=0.00 avg60=0.00 avg300=0.00 total=0"));
    assertEquals("no 'total' in line 'some avg10=0.00 avg60=0.00 avg300=0.00'",
        refusal("some avg10=0.00 avg60=0.00 avg300=0.00"));
    assertEquals("'avg10=abc' is not a percentage in line 'some avg10=abc avg60=0.00 avg300=0.00"
        + " total=0'", refusal("some avg10=abc avg60=0.00 avg300=0.00 total=0"));
    assertTrue(refusal("some avg10=101.00 avg60=0.00 avg300=0.00 total=0")
        .startsWith("'avg10=101.00' is not a percentage"));
    assertTrue(refusal("some avg10=0.00 avg60=0.00 avg300=0.00 total=-1")
        .startsWith("'total=-1' is not a count of microseconds"));
    assertTrue(refusal("some avg10 avg60=0.00 avg300=0.00 total=0")
        .startsWith("'avg10' is not <key>=<value>"));
    assertEquals("no 'some' line", refusal(""));
  }

  private static String refusal(String content) {
    return assertThrows(IllegalArgumentException.class, () -> PressureFile.parse(content))
        .getMessage();
  }

  @Test
  void anAbsentFileReadsAsNothingAndAMalformedOneToo() {
    Path root = Path.of("/sys/fs/cgroup/unified");
    FakeLinux kernel = new FakeLinux().cgroupFile(root, "cpu.pressure",
        "some avg10=0.00 avg60=0.00 avg300=0.00 total=9");
    var fs = kernel.linux().cgroups().at(root);
    fs.mkdir("c1");
    assertEquals(9, PressureFile.read(fs, "c1", "cpu.pressure").orElseThrow().getSomeTotalMicrosecs());
    assertTrue(PressureFile.read(fs, "c1", "memory.pressure").isEmpty());
    kernel.cgroupState(root, "c1", "cpu.pressure", "garbage");
    assertTrue(PressureFile.read(fs, "c1", "cpu.pressure").isEmpty());
  }
}
