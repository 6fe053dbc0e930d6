package io.corral.posix.testing;

import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Plain-JUnit property checks: a property holds for every explicit example and for a bounded
 * number of inputs drawn from a {@link Random} with a fixed seed. A failure names the seed, the
 * try and the input, so the run that found it can be repeated exactly.
 */
public final class SeededTries {
  /** A property of one input; any exception it throws fails the check. */
  public interface Check<T> {
    void accept(T input) throws Exception;
  }

  private static final int[] INT_EDGES = {0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE};
  private static final long[] LONG_EDGES = {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE};

  private SeededTries() {}

  /** Checks {@code property} for each of {@code examples}, then for {@code tries} drawn inputs. */
  public static <T> void forAll(long seed, int tries, List<T> examples, Function<Random, T> gen,
      Check<T> property) {
    for (int i = 0; i < examples.size(); i++) {
      run(property, examples.get(i), "example " + i);
    }
    Random random = new Random(seed);
    for (int i = 0; i < tries; i++) {
      run(property, gen.apply(random), "seed " + seed + " try " + i);
    }
  }

  private static <T> void run(Check<T> property, T input, String where) {
    try {
      property.accept(input);
    } catch (Throwable e) {
      throw new AssertionError("property failed at " + where + " for input " + show(input) + ": " + e, e);
    }
  }

  /** The input in a form that can be pasted back into a test. */
  public static String show(Object input) {
    if (input instanceof byte[] bytes) {
      return "hex " + HexFormat.of().formatHex(bytes);
    }
    if (input instanceof List<?> list) {
      return list.stream().map(SeededTries::show).collect(Collectors.joining(", ", "[", "]"));
    }
    if (input instanceof String s) {
      StringBuilder out = new StringBuilder("\"");
      s.chars().forEach(c -> out.append(c >= 0x20 && c < 0x7f && c != '"' && c != '\\'
          ? String.valueOf((char) c) : String.format("\\u%04x", c)));
      return out.append('"').toString();
    }
    return String.valueOf(input);
  }

  /**
   * Random text of at most {@code maxLength} chars: mostly printable ASCII, often control
   * characters and other Basic Multilingual Plane chars, never a lone surrogate.
   */
  public static String text(Random random, int maxLength) {
    StringBuilder out = new StringBuilder();
    int length = random.nextInt(maxLength + 1);
    for (int i = 0; i < length; i++) {
      out.append(anyChar(random));
    }
    return out.toString();
  }

  /** Random text of at most {@code maxLength} chars, each one of {@code chars}. */
  public static String text(Random random, String chars, int maxLength) {
    StringBuilder out = new StringBuilder();
    int length = random.nextInt(maxLength + 1);
    for (int i = 0; i < length; i++) {
      out.append(chars.charAt(random.nextInt(chars.length())));
    }
    return out.toString();
  }

  private static char anyChar(Random random) {
    int kind = random.nextInt(10);
    if (kind < 6) {
      return (char) (0x20 + random.nextInt(0x5f));
    }
    if (kind < 8) {
      return (char) random.nextInt(0x20);
    }
    char c;
    do {
      c = (char) (0x7f + random.nextInt(0x10000 - 0x7f));
    } while (Character.isSurrogate(c));
    return c;
  }

  /** Any int, often one of the edges 0, 1, -1, the minimum and the maximum. */
  public static int anyInt(Random random) {
    return random.nextInt(8) == 0 ? INT_EDGES[random.nextInt(INT_EDGES.length)] : random.nextInt();
  }

  /** Any long, often one of the edges 0, 1, -1, the minimum and the maximum. */
  public static long anyLong(Random random) {
    return random.nextInt(8) == 0 ? LONG_EDGES[random.nextInt(LONG_EDGES.length)] : random.nextLong();
  }

  /** {@code base} with the chars between two random positions replaced by {@code junk}. */
  public static String edited(Random random, String base, String junk) {
    int i = random.nextInt(base.length() + 1);
    int j = random.nextInt(base.length() + 1);
    return base.substring(0, Math.min(i, j)) + junk + base.substring(Math.max(i, j));
  }
}
