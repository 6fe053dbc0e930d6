package io.corral.ops;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** The flags as {@code GET_FLAGS} and {@code /flags} show them. Pure; the main thread. */
final class FlagValues {
  private FlagValues() {}

  /**
   * Every flag of the given mixins that has a value, by name in alphabetical order (as Mesos
   * lists them), each in stout's string form: bools {@code true}/{@code false}, durations
   * {@code 15secs}, lists as given.
   */
  public static Map<String, String> render(Object... mixins) {
    Map<String, String> sorted = new TreeMap<>();
    for (Object mixin : mixins) {
      for (OptionSpec option : CommandSpec.forAnnotatedObject(mixin).options()) {
        Object value = option.getValue();
        if (value != null) {
          String name = option.longestName().replaceFirst("^--", "");
          sorted.put(name, name.equals("docker_config") ? ImageFlags.redacted(value.toString()) : valueString(value));
        }
      }
    }
    return Collections.unmodifiableMap(new LinkedHashMap<>(sorted));
  }

  private static String valueString(Object value) {
    if (value instanceof Duration d) {
      return Durations.format(d);
    }
    if (value instanceof Boolean b) {
      return b ? "true" : "false";
    }
    return value.toString();
  }
}
