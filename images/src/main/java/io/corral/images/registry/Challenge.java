package io.corral.images.registry;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One {@code WWW-Authenticate} challenge (RFC 7235): a scheme ({@code basic} or {@code bearer},
 * lower case) and its parameters ({@code realm}, {@code service}, {@code scope}, {@code error}).
 */
public record Challenge(String scheme, Map<String, String> params) {

  public Challenge {
    params = Map.copyOf(params);
  }

  /** Parses a header value; a malformed one gives what could be read, never an exception. */
  public static Challenge parse(String header) {
    String h = header == null ? "" : header.trim();
    int space = h.indexOf(' ');
    String scheme = (space < 0 ? h : h.substring(0, space)).toLowerCase(Locale.ROOT);
    Map<String, String> params = new LinkedHashMap<>();
    int i = space < 0 ? h.length() : space + 1;
    while (i < h.length()) {
      int eq = h.indexOf('=', i);
      if (eq < 0) {
        break;
      }
      String key = h.substring(i, eq).trim().toLowerCase(Locale.ROOT);
      StringBuilder value = new StringBuilder();
      i = eq + 1;
      if (i < h.length() && h.charAt(i) == '"') {
        for (i++; i < h.length() && h.charAt(i) != '"'; i++) {
          if (h.charAt(i) == '\\' && i + 1 < h.length()) {
            i++;
          }
          value.append(h.charAt(i));
        }
        i++;
      } else {
        for (; i < h.length() && h.charAt(i) != ','; i++) {
          value.append(h.charAt(i));
        }
      }
      params.put(key, value.toString().trim());
      while (i < h.length() && (h.charAt(i) == ',' || h.charAt(i) == ' ')) {
        i++;
      }
    }
    return new Challenge(scheme, params);
  }

  public String param(String name) {
    return params.get(name);
  }
}
