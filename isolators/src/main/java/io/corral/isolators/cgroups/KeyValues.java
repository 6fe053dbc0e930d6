package io.corral.isolators.cgroups;

import java.util.LinkedHashMap;
import java.util.Map;

/** Parses the flat-keyed control files ({@code memory.stat}, {@code cpu.stat}, {@code cpuacct.stat}). */
final class KeyValues {
  private KeyValues() {}

  /** {@code key value} lines to a map; lines that are not two fields of which a number are skipped. */
  static Map<String, Long> parse(String content) {
    Map<String, Long> values = new LinkedHashMap<>();
    for (String line : content.split("\n")) {
      String[] fields = line.trim().split("\\s+");
      if (fields.length == 2) {
        try {
          values.put(fields[0], Long.parseLong(fields[1]));
        } catch (NumberFormatException e) {
          // Not a counter line; ignore it.
        }
      }
    }
    return values;
  }
}
