package io.corral.http;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import java.util.Base64;
import java.util.List;

/**
 * The JSON form of protobuf messages as the Mesos agent reads and writes it (stout's
 * {@code JSON::protobuf} and {@code protobuf::parse}).
 *
 * <p>Output, written by walking the descriptor (protobuf's own {@code JsonFormat} prints 64-bit
 * integers as strings and uses lowerCamel names, which Mesos clients do not expect):
 *
 * <ul>
 *   <li>keys are the proto field names in snake_case, in declaration order (as stout walks the
 *       descriptor);
 *   <li>enums are their value names; int32/int64/uint32/uint64 are plain JSON numbers, unsigned
 *       ones printed unsigned; doubles and floats are numbers with 15 significant digits;
 *   <li>bytes are base64; repeated fields are arrays; map fields are objects keyed by the map
 *       key's string form;
 *   <li>unset optional fields are left out, except that a singular field with an explicit proto2
 *       default that is not deprecated is printed with its default, as stout's {@code
 *       JSON::Protobuf} does (e.g. {@code NetworkInfo.IPAddress.protocol: "IPv4"}; the deprecated
 *       {@code Resource.role} is not).
 * </ul>
 *
 * <p>Input goes through protobuf-java-util's {@code JsonFormat.parser()} with unknown fields
 * ignored. It accepts snake_case and lowerCamel keys, integers as numbers or decimal strings,
 * bools and enums as strings, and drops an unknown enum name in a singular field (the field stays
 * unset, as proto2 does with an unknown value). Required fields are not checked here; callers
 * check {@code isInitialized()}.
 *
 * <p>Stateless and thread-safe.
 */
public final class MesosJson {
  private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();

  private MesosJson() {}

  /** The Mesos JSON text of {@code message}. */
  public static String print(MessageOrBuilder message) {
    JsonWriter out = new JsonWriter();
    write(out, message);
    return out.toString();
  }

  /** Merges the JSON text {@code json} into {@code builder}; throws with the parser's message. */
  public static <B extends Message.Builder> B merge(String json, B builder)
      throws InvalidProtocolBufferException {
    PARSER.merge(json, builder);
    return builder;
  }

  /** Writes {@code message} as one JSON object at the writer's current position. */
  static void write(JsonWriter out, MessageOrBuilder message) {
    out.beginObject();
    for (FieldDescriptor field : message.getDescriptorForType().getFields()) {
      if (!printed(message, field)) {
        continue;
      }
      out.name(field.getName());
      Object value = message.getField(field);
      if (field.isMapField()) {
        writeMap(out, field, (List<?>) value);
      } else if (field.isRepeated()) {
        out.beginArray();
        for (Object element : (List<?>) value) {
          writeValue(out, field, element);
        }
        out.endArray();
      } else {
        writeValue(out, field, value);
      }
    }
    out.endObject();
  }

  /**
   * Whether stout prints {@code field}: a non-empty repeated field, a set singular field, or an
   * unset singular field with an explicit proto2 default that is not deprecated.
   */
  private static boolean printed(MessageOrBuilder message, FieldDescriptor field) {
    if (field.isRepeated()) {
      return message.getRepeatedFieldCount(field) > 0;
    }
    return message.hasField(field)
        || (field.hasDefaultValue() && !field.getOptions().getDeprecated());
  }

  private static void writeMap(JsonWriter out, FieldDescriptor field, List<?> entries) {
    FieldDescriptor key = field.getMessageType().findFieldByName("key");
    FieldDescriptor value = field.getMessageType().findFieldByName("value");
    out.beginObject();
    for (Object entry : entries) {
      Message message = (Message) entry;
      out.name(String.valueOf(message.getField(key)));
      writeValue(out, value, message.getField(value));
    }
    out.endObject();
  }

  private static void writeValue(JsonWriter out, FieldDescriptor field, Object value) {
    switch (field.getJavaType()) {
      case INT -> {
        int v = (Integer) value;
        boolean unsigned = field.getType() == FieldDescriptor.Type.UINT32
            || field.getType() == FieldDescriptor.Type.FIXED32;
        out.value(unsigned ? Integer.toUnsignedLong(v) : v);
      }
      case LONG -> {
        long v = (Long) value;
        if (field.getType() == FieldDescriptor.Type.UINT64
            || field.getType() == FieldDescriptor.Type.FIXED64) {
          out.unsignedValue(v);
        } else {
          out.value(v);
        }
      }
      case FLOAT -> out.value((double) (Float) value);
      case DOUBLE -> out.value((Double) value);
      case BOOLEAN -> out.value((Boolean) value);
      case STRING -> out.value((String) value);
      case BYTE_STRING ->
          out.value(Base64.getEncoder().encodeToString(((ByteString) value).toByteArray()));
      case ENUM -> out.value(((EnumValueDescriptor) value).getName());
      case MESSAGE -> write(out, (MessageOrBuilder) value);
    }
  }
}
