package io.corral.posix;

import java.math.BigDecimal;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sizes written as Mesos' {@code Bytes} are: a number and a unit ({@code 64MB}, {@code 1.5GB}),
 * binary multiples. Pure functions; any thread.
 */
public final class ByteSizes {
  private static final Pattern BYTES = Pattern.compile("(\\d+(?:\\.\\d+)?)(B|KB|MB|GB|TB)");
  private static final List<String> UNITS = List.of("B", "KB", "MB", "GB", "TB");

  private ByteSizes() {}

  /**
   * The bytes {@code value} stands for.
   *
   * @throws IllegalArgumentException saying why, quoting {@code value}, for anything that is not
   *     a positive size below 8EB
   */
  public static long parse(String value) {
    Matcher m = BYTES.matcher(value.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + value + "' is not a size such as 64MB (units B, KB, MB, GB, TB)");
    }
    BigDecimal size = new BigDecimal(m.group(1))
        .multiply(BigDecimal.valueOf(1L << 10 * UNITS.indexOf(m.group(2))));
    if (size.signum() <= 0 || size.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
      throw new IllegalArgumentException("'" + value + "' must be positive and below 8EB");
    }
    return size.longValue();
  }
}
