package io.corral.http;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;

/**
 * A minimal streaming JSON text writer: objects, arrays, names and scalar values, with commas
 * placed for the caller. Numbers are written as stout (Mesos' JSON library) writes them: integers
 * in plain decimal, doubles with 15 significant digits and always a decimal point ({@code 64.0},
 * {@code 1700000000.12346}).
 *
 * <p>Not thread-safe; one instance builds one document on the calling thread.
 */
final class JsonWriter {
  private final StringBuilder out = new StringBuilder();
  /** One entry per open object or array: true while it has no member yet. */
  private final Deque<Boolean> empty = new ArrayDeque<>();
  private boolean afterName;

  JsonWriter beginObject() {
    beforeValue();
    out.append('{');
    empty.push(true);
    return this;
  }

  JsonWriter endObject() {
    empty.pop();
    out.append('}');
    return this;
  }

  JsonWriter beginArray() {
    beforeValue();
    out.append('[');
    empty.push(true);
    return this;
  }

  JsonWriter endArray() {
    empty.pop();
    out.append(']');
    return this;
  }

  JsonWriter name(String name) {
    separate();
    string(name);
    out.append(':');
    afterName = true;
    return this;
  }

  JsonWriter value(String value) {
    beforeValue();
    string(value);
    return this;
  }

  JsonWriter value(boolean value) {
    beforeValue();
    out.append(value);
    return this;
  }

  JsonWriter value(long value) {
    beforeValue();
    out.append(value);
    return this;
  }

  /** An unsigned 64-bit value held in a signed {@code long} (uint64, fixed64). */
  JsonWriter unsignedValue(long value) {
    beforeValue();
    out.append(Long.toUnsignedString(value));
    return this;
  }

  JsonWriter value(double value) {
    beforeValue();
    out.append(number(value));
    return this;
  }

  JsonWriter nullValue() {
    beforeValue();
    out.append("null");
    return this;
  }

  @Override
  public String toString() {
    return out.toString();
  }

  /**
   * A double as stout's {@code jsonify} prints it ({@code %#.15g}, trailing zeros trimmed down to
   * one digit after the point). JSON has no NaN or infinity, so those are written as null.
   */
  static String number(double value) {
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      return "null";
    }
    String text = String.format(Locale.ROOT, "%.15g", value);
    int exponent = text.indexOf('e');
    String mantissa = exponent < 0 ? text : text.substring(0, exponent);
    String suffix = exponent < 0 ? "" : text.substring(exponent);
    if (mantissa.indexOf('.') < 0) {
      mantissa = mantissa + ".0";
    }
    int end = mantissa.length();
    while (mantissa.charAt(end - 1) == '0' && mantissa.charAt(end - 2) != '.') {
      end--;
    }
    return mantissa.substring(0, end) + suffix;
  }

  private void beforeValue() {
    if (afterName) {
      afterName = false;
    } else {
      separate();
    }
  }

  private void separate() {
    if (empty.isEmpty()) {
      return;
    }
    if (!empty.peek()) {
      out.append(',');
    } else {
      empty.pop();
      empty.push(false);
    }
  }

  private void string(String value) {
    out.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          if (c < 0x20 || c == 0x2028 || c == 0x2029) {
            out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
