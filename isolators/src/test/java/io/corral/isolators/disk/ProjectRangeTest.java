package io.corral.isolators.disk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** {@code --xfs_project_range} in Mesos' RANGES syntax, and the refusals of Mesos' IsolatorFlags test. */
class ProjectRangeTest {
  @Test
  void theDefaultIsFiveThousandToTenThousand() {
    ProjectRange range = ProjectRange.parse(ProjectRange.DEFAULT);
    assertEquals(5001, range.size());
    assertTrue(range.contains(5000) && range.contains(10000));
    assertFalse(range.contains(4999) || range.contains(10001));
  }

  @Test
  void severalRangesAreSortedAndCounted() {
    ProjectRange range = ProjectRange.parse("[300-399, 100-199]");
    assertEquals("[100-199,300-399]", range.toString());
    assertEquals(range, ProjectRange.parse("[100-199,300-399]"));
    assertEquals(200, range.size());
    assertEquals(4294967295L, ProjectRange.parse("[4294967295-4294967295]").bounds().get(0).begin());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "[0-10]|project range contains illegal 0 value",
      "[100-1099511627776]|project id 1099511627776 is out of range",
      "foo|expected ranges such as [5000-10000]",
      "100|expected ranges such as [5000-10000]",
      "[]|expected ranges such as [5000-10000]",
      "[20-10]|range 20-10 is empty",
      "[1-10,5-20]|ranges overlap",
      "[1-x]|'1-x' is not a range"})
  void badValuesAreRefusedNamingTheFlag(String value, String why) {
    String message = assertThrows(IllegalArgumentException.class,
        () -> ProjectRange.parse(value)).getMessage();
    assertTrue(message.startsWith("Failed to parse --xfs_project_range '" + value + "': " + why),
        message);
  }
}
