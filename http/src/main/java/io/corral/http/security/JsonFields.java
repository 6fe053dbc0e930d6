package io.corral.http.security;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the small JSON documents of the security flags (credentials, ACLs) as protobuf
 * {@link Struct}s, with every malformed shape turned into an {@link IllegalArgumentException}
 * that names the field. Stateless.
 */
final class JsonFields {
  private JsonFields() {}

  /** Parses {@code json} as one JSON object. */
  static Struct object(String json) {
    Struct.Builder builder = Struct.newBuilder();
    try {
      JsonFormat.parser().merge(json, builder);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw new IllegalArgumentException("Invalid json format: " + reason(e));
    }
    return builder.build();
  }

  /** The objects of the array {@code field} of {@code object}; empty when it is missing. */
  static List<Struct> objects(Struct object, String field) {
    Value value = object.getFieldsOrDefault(field, null);
    if (value == null || value.hasNullValue()) {
      return List.of();
    }
    if (!value.hasListValue()) {
      throw new IllegalArgumentException("'" + field + "' must be an array");
    }
    List<Struct> out = new ArrayList<>();
    for (Value item : value.getListValue().getValuesList()) {
      if (!item.hasStructValue()) {
        throw new IllegalArgumentException("'" + field + "' must hold objects only");
      }
      out.add(item.getStructValue());
    }
    return out;
  }

  /** The string {@code field} of {@code object}, if present. */
  static Optional<String> string(Struct object, String field) {
    Value value = object.getFieldsOrDefault(field, null);
    if (value == null || value.hasNullValue()) {
      return Optional.empty();
    }
    if (!value.hasStringValue()) {
      throw new IllegalArgumentException("'" + field + "' must be a string");
    }
    return Optional.of(value.getStringValue());
  }

  /** The strings of the array {@code field} of {@code object}; empty when missing. */
  static List<String> strings(Struct object, String field) {
    Value value = object.getFieldsOrDefault(field, null);
    if (value == null || value.hasNullValue()) {
      return List.of();
    }
    if (!value.hasListValue()) {
      throw new IllegalArgumentException("'" + field + "' must be an array of strings");
    }
    List<String> out = new ArrayList<>();
    for (Value item : value.getListValue().getValuesList()) {
      if (!item.hasStringValue()) {
        throw new IllegalArgumentException("'" + field + "' must be an array of strings");
      }
      out.add(item.getStringValue());
    }
    return out;
  }

  /** The object {@code field} of {@code object}, if present. */
  static Optional<Struct> object(Struct object, String field) {
    Value value = object.getFieldsOrDefault(field, null);
    if (value == null || value.hasNullValue()) {
      return Optional.empty();
    }
    if (!value.hasStructValue()) {
      throw new IllegalArgumentException("'" + field + "' must be an object");
    }
    return Optional.of(value.getStructValue());
  }

  /** The boolean {@code field} of {@code object}, or {@code otherwise}. */
  static boolean bool(Struct object, String field, boolean otherwise) {
    Value value = object.getFieldsOrDefault(field, null);
    if (value == null || value.hasNullValue()) {
      return otherwise;
    }
    if (!value.hasBoolValue()) {
      throw new IllegalArgumentException("'" + field + "' must be a boolean");
    }
    return value.getBoolValue();
  }

  /**
   * The parser's complaint without the document's text (which may hold a secret): where it
   * is, when the parser says so, else nothing.
   */
  private static String reason(Exception e) {
    String message = e.getMessage() == null ? "" : e.getMessage();
    Matcher where = POSITION.matcher(message);
    return where.find() ? "malformed " + where.group() : "not a JSON object";
  }

  private static final Pattern POSITION = Pattern.compile("at line \\d+ column \\d+");
}
