package io.corral.posix.ps;

import io.corral.posix.ProcessUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses what {@code ps -A -o pid= -o ppid= -o rss= -o time=} prints: one line per process with
 * four blank-separated fields and no header. {@code rss} is in KiB (procps and the BSDs alike);
 * {@code time} is the cumulative cpu time, user plus system, as POSIX gives it
 * ({@code [dd-]hh:mm:ss}, procps) or as the BSDs and macOS do ({@code m:ss.cc}, minutes without
 * bound, hundredths of a second). Anything else, anywhere, refuses the whole output: a table read
 * half right would report a wrong usage. Pure functions; any thread.
 */
public final class PsOutput {
  /** {@code [[dd-]hh:]mm:ss[.fraction]}; days only with hours. */
  private static final Pattern TIME =
      Pattern.compile("(?:(?:(\\d{1,9})-)?(\\d{1,9}):)?(\\d{1,9}):(\\d{1,2})(?:\\.(\\d{1,9}))?");
  private static final Pattern BLANKS = Pattern.compile("[ \\t]+");
  private static final long SECOND = 1_000_000_000L;

  private PsOutput() {}

  /**
   * The processes in {@code output}.
   *
   * @throws PsException naming the first line that is not a process, or when there is none
   */
  public static List<ProcessUsage> parse(String output) {
    List<ProcessUsage> result = new ArrayList<>();
    for (String line : output.split("\n", -1)) {
      String trimmed = line.strip();
      if (!trimmed.isEmpty()) {
        result.add(parseLine(trimmed));
      }
    }
    if (result.isEmpty()) {
      throw new PsException("Failed to read the process table: 'ps' listed no process");
    }
    return result;
  }

  /** One {@code pid ppid rss time} line, already stripped. */
  static ProcessUsage parseLine(String line) {
    String[] f = BLANKS.split(line);
    if (f.length != 4) {
      throw refused(line, "expected 4 fields (pid ppid rss time), found " + f.length);
    }
    int pid = (int) number(line, f[0], Integer.MAX_VALUE);
    int ppid = (int) number(line, f[1], Integer.MAX_VALUE);
    long rssKib = number(line, f[2], Long.MAX_VALUE / 1024);
    try {
      return new ProcessUsage(pid, ppid, cpuNanos(f[3]), OptionalLong.empty(), rssKib * 1024);
    } catch (IllegalArgumentException e) {
      throw refused(line, e.getMessage());
    }
  }

  /**
   * A {@code time} field in nanoseconds.
   *
   * @throws IllegalArgumentException when it is not {@code [[dd-]hh:]mm:ss[.fraction]} with
   *     seconds below 60, minutes below 60 after hours and hours below 24 after days
   */
  public static long cpuNanos(String time) {
    Matcher m = TIME.matcher(time);
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + time + "' is not a cpu time ([[dd-]hh:]mm:ss)");
    }
    long days = m.group(1) == null ? 0 : Long.parseLong(m.group(1));
    long hours = m.group(2) == null ? 0 : Long.parseLong(m.group(2));
    long minutes = Long.parseLong(m.group(3));
    long seconds = Long.parseLong(m.group(4));
    if (seconds >= 60 || (m.group(2) != null && minutes >= 60) || (m.group(1) != null && hours >= 24)) {
      throw new IllegalArgumentException("'" + time + "' is not a cpu time: a field is out of range");
    }
    long nanos = 0;
    if (m.group(5) != null) {
      String digits = (m.group(5) + "00000000").substring(0, 9);
      nanos = Long.parseLong(digits);
    }
    long total = ((days * 24 + hours) * 60 + minutes) * 60 + seconds;
    if (total > Long.MAX_VALUE / SECOND - 1) {
      throw new IllegalArgumentException("'" + time + "' is not a cpu time: too large");
    }
    return total * SECOND + nanos;
  }

  private static long number(String line, String field, long max) {
    if (field.isEmpty() || field.length() > 18 || !field.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw refused(line, "'" + field + "' is not a number");
    }
    long value = Long.parseLong(field);
    if (value > max) {
      throw refused(line, "'" + field + "' is out of range");
    }
    return value;
  }

  private static PsException refused(String line, String why) {
    return new PsException("Failed to read the process table: unexpected line '" + line
        + "' from 'ps': " + why);
  }
}
