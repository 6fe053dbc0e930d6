package io.corral.posix.ps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.posix.ProcessUsage;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The {@code ps} output parser: every {@code time} form procps and the BSDs print, and refusals. */
class PsOutputTest {
  private static final long S = 1_000_000_000L;

  @Test
  void procpsTimeIsHoursMinutesSecondsWithOptionalDays() {
    assertEquals(0, PsOutput.cpuNanos("00:00:00"));
    assertEquals((1 * 3600 + 2 * 60 + 3) * S, PsOutput.cpuNanos("01:02:03"));
    assertEquals(((2 * 24 + 3) * 3600 + 4 * 60 + 5) * S, PsOutput.cpuNanos("2-03:04:05"));
    assertEquals((123L * 24 * 3600 + 23 * 3600 + 59 * 60 + 59) * S, PsOutput.cpuNanos("123-23:59:59"));
  }

  @Test
  void bsdTimeIsMinutesSecondsAndHundredths() {
    assertEquals(30_000_000L, PsOutput.cpuNanos("0:00.03"));
    assertEquals(61 * S + 500_000_000L, PsOutput.cpuNanos("1:01.50"));
    assertEquals((754 * 60 + 12) * S + 340_000_000L, PsOutput.cpuNanos("754:12.34"), "minutes without bound");
    assertEquals((3600 + 60 + 1) * S + 100_000_000L, PsOutput.cpuNanos("1:01:01.1"));
    assertEquals(5 * S + 123_456_789L, PsOutput.cpuNanos("0:05.123456789"));
    assertEquals(7 * S, PsOutput.cpuNanos("00:07"));
  }

  @Test
  void malformedTimesAreRefused() {
    for (String bad : List.of("", "5", ":05", "1:60", "1:5:5:5", "1:60:00", "1-24:00:00", "1-05:00",
        "-1:00", "0:00.", "0:00.1234567890", "a:bc", "0:00,03", "1:00:00:00", " 0:01",
        "9999999999-00:00:00", "999999999-23:59:59")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PsOutput.cpuNanos(bad), bad);
      assertTrue(e.getMessage().startsWith("'" + bad + "' is not a cpu time"), e.getMessage());
    }
  }

  @Test
  void linesBecomeProcessesWithRssInBytesAndNoUserSystemSplit() {
    List<ProcessUsage> table = PsOutput.parse("    1     0 12180 00:07:46\n"
        + "  412     1     0   0:00.03\n\t77\t412\t4\t1-00:00:01   \n\n");
    assertEquals(List.of(
        new ProcessUsage(1, 0, (7 * 60 + 46) * S, OptionalLong.empty(), 12180 * 1024L),
        new ProcessUsage(412, 1, 30_000_000L, OptionalLong.empty(), 0),
        new ProcessUsage(77, 412, (24 * 3600 + 1) * S, OptionalLong.empty(), 4096)), table);
    assertTrue(table.get(0).systemCpuNanos().isEmpty());
  }

  @Test
  void garbageLinesRefuseTheWholeOutput() {
    for (String bad : List.of("PID PPID RSS TIME", "1 0 12 00:00:01 extra", "1 0 12", "x 0 12 00:00:01",
        "1 -1 12 00:00:01", "1 0 1.5 00:00:01", "1 0 12 00:61", "99999999999 0 1 00:00:00",
        "1 0 99999999999999999999 00:00:00", "ps: bad data in /proc")) {
      PsException e = assertThrows(PsException.class, () -> PsOutput.parse("2 1 4 00:00:01\n" + bad + "\n"), bad);
      assertTrue(e.getMessage().startsWith("Failed to read the process table: unexpected line '"
          + bad.strip() + "' from 'ps': "), e.getMessage());
    }
  }

  @Test
  void emptyOutputIsRefused() {
    PsException e = assertThrows(PsException.class, () -> PsOutput.parse("\n  \n"));
    assertEquals("Failed to read the process table: 'ps' listed no process", e.getMessage());
  }
}
