package io.corral.isolators.cgroups;

import io.corral.posix.Errno;
import io.corral.posix.LinuxException;
import io.corral.posix.cgroup.CgroupFs;
import io.corral.proto.v1.PressureStatistics;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One cgroup v2 pressure stall information file ({@code cpu.pressure}, {@code memory.pressure},
 * {@code io.pressure}): a {@code some} line and, except on old kernels' {@code cpu.pressure}, a
 * {@code full} line, each {@code avg10=<pct> avg60=<pct> avg300=<pct> total=<usec>}.
 *
 * <p>Policy: an absent file (a kernel without {@code CONFIG_PSI}, booted with {@code psi=0}, or a
 * cgroup with {@code cgroup.pressure} set to 0) reports nothing, silently: the agent says so once
 * at start ({@link Hierarchies#pressure}). A malformed file reports nothing either and is logged
 * once per file name at warn, with the parse error: usage is polled, and one odd kernel line must
 * not drop the container's other statistics. Unknown keys and unknown line kinds are ignored (a
 * newer kernel may add some). Stateless apart from that log-once set; any thread.
 */
public final class PressureFile {
  private static final Logger LOG = LoggerFactory.getLogger(PressureFile.class);
  private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

  private PressureFile() {}

  /**
   * Parses a pressure file's content.
   *
   * @throws IllegalArgumentException naming the line and what is wrong with it
   */
  public static PressureStatistics parse(String content) {
    PressureStatistics.Builder builder = PressureStatistics.newBuilder();
    boolean some = false;
    for (String line : content.split("\n")) {
      String trimmed = line.trim();
      if (trimmed.isEmpty()) {
        continue;
      }
      String kind = trimmed.split("\\s+", 2)[0];
      if (!kind.equals("some") && !kind.equals("full")) {
        continue;
      }
      Map<String, String> values = values(trimmed);
      double avg10 = percent(values, "avg10", trimmed);
      double avg60 = percent(values, "avg60", trimmed);
      double avg300 = percent(values, "avg300", trimmed);
      long total = micros(values, trimmed);
      if (kind.equals("some")) {
        some = true;
        builder.setSomeAvg10(avg10).setSomeAvg60(avg60).setSomeAvg300(avg300)
            .setSomeTotalMicrosecs(total);
      } else {
        builder.setFullAvg10(avg10).setFullAvg60(avg60).setFullAvg300(avg300)
            .setFullTotalMicrosecs(total);
      }
    }
    if (!some) {
      throw new IllegalArgumentException("no 'some' line");
    }
    return builder.build();
  }

  /**
   * Reads {@code file} of {@code cgroup}: empty when the file does not exist or is malformed
   * (see the class comment); other read errors propagate.
   */
  public static Optional<PressureStatistics> read(CgroupFs fs, String cgroup, String file) {
    String content;
    try {
      content = fs.read(cgroup, file);
    } catch (LinuxException e) {
      if (e.errno() == Errno.ENOENT) {
        return Optional.empty();
      }
      throw e;
    }
    try {
      return Optional.of(parse(content));
    } catch (IllegalArgumentException e) {
      if (WARNED.add(file)) {
        LOG.warn("Failed to parse '{}': {}; not reporting its pressure (logged once)",
            fs.root().resolve(cgroup).resolve(file), e.getMessage());
      }
      return Optional.empty();
    }
  }

  private static Map<String, String> values(String line) {
    Map<String, String> values = new HashMap<>();
    String[] fields = line.split("\\s+");
    for (int i = 1; i < fields.length; i++) {
      int eq = fields[i].indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("'" + fields[i] + "' is not <key>=<value> in line '"
            + line + "'");
      }
      values.put(fields[i].substring(0, eq), fields[i].substring(eq + 1));
    }
    return values;
  }

  private static double percent(Map<String, String> values, String key, String line) {
    String value = require(values, key, line);
    try {
      double percent = Double.parseDouble(value);
      if (!(percent >= 0 && percent <= 100)) {
        throw new NumberFormatException("out of range");
      }
      return percent;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + key + "=" + value
          + "' is not a percentage in line '" + line + "'", e);
    }
  }

  private static long micros(Map<String, String> values, String line) {
    String value = require(values, "total", line);
    try {
      long total = Long.parseLong(value);
      if (total < 0) {
        throw new NumberFormatException("negative");
      }
      return total;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'total=" + value
          + "' is not a count of microseconds in line '" + line + "'", e);
    }
  }

  private static String require(Map<String, String> values, String key, String line) {
    String value = values.get(key);
    if (value == null) {
      throw new IllegalArgumentException("no '" + key + "' in line '" + line + "'");
    }
    return value;
  }
}
