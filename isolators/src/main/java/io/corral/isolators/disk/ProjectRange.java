package io.corral.isolators.disk;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The XFS project ids {@code disk/xfs} may hand out, parsed from {@code --xfs_project_range} in
 * Mesos' RANGES syntax ({@code [5000-10000]}, or several: {@code [100-199,300-399]}). Ids are
 * unsigned 32-bit; 0 is the kernel's "no project" and is refused. Immutable.
 *
 * @param bounds inclusive spans, sorted, not overlapping
 */
public record ProjectRange(List<ProjectRange.Span> bounds) {
  /** The ids {@code begin} to {@code end}, both included. */
  public record Span(long begin, long end) {}

  /** Mesos' default {@code --xfs_project_range}. */
  public static final String DEFAULT = "[5000-10000]";

  private static final Pattern RANGES = Pattern.compile("\\[\\s*(.*?)\\s*]");
  private static final Pattern ONE = Pattern.compile("(\\d+)\\s*-\\s*(\\d+)");
  private static final long MAX = 0xFFFFFFFFL;

  public ProjectRange {
    bounds = List.copyOf(bounds);
  }

  /**
   * Parses a flag value.
   *
   * @throws IllegalArgumentException naming the flag and what is wrong
   */
  public static ProjectRange parse(String value) {
    Matcher outer = RANGES.matcher(value.trim());
    if (!outer.matches() || outer.group(1).isEmpty()) {
      throw invalid(value, "expected ranges such as " + DEFAULT);
    }
    List<Span> bounds = new ArrayList<>();
    for (String part : outer.group(1).split(",")) {
      Matcher m = ONE.matcher(part.trim());
      if (!m.matches()) {
        throw invalid(value, "'" + part.trim() + "' is not a range such as 5000-10000");
      }
      long begin = number(value, m.group(1));
      long end = number(value, m.group(2));
      if (begin > end) {
        throw invalid(value, "range " + begin + "-" + end + " is empty");
      }
      if (begin == 0) {
        throw invalid(value, "project range contains illegal 0 value");
      }
      bounds.add(new Span(begin, end));
    }
    bounds.sort((a, b) -> Long.compare(a.begin(), b.begin()));
    for (int i = 1; i < bounds.size(); i++) {
      if (bounds.get(i).begin() <= bounds.get(i - 1).end()) {
        throw invalid(value, "ranges overlap");
      }
    }
    return new ProjectRange(bounds);
  }

  /** Whether {@code id} lies in one of the ranges. */
  public boolean contains(long id) {
    for (Span b : bounds) {
      if (id >= b.begin() && id <= b.end()) {
        return true;
      }
    }
    return false;
  }

  /** How many ids the ranges hold. */
  public long size() {
    return bounds.stream().mapToLong(b -> b.end() - b.begin() + 1).sum();
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("[");
    for (Span b : bounds) {
      s.append(s.length() > 1 ? "," : "").append(b.begin()).append('-').append(b.end());
    }
    return s.append(']').toString();
  }

  private static long number(String value, String digits) {
    if (digits.length() > 10 || Long.parseLong(digits) > MAX) {
      throw invalid(value, "project id " + digits + " is out of range (at most " + MAX + ")");
    }
    return Long.parseLong(digits);
  }

  private static IllegalArgumentException invalid(String value, String why) {
    return new IllegalArgumentException("Failed to parse --xfs_project_range '" + value + "': " + why);
  }
}
