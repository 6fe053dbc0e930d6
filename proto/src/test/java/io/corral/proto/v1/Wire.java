package io.corral.proto.v1;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A tiny hand encoder for the protobuf wire format, used by the golden tests to write down the
 * bytes a Mesos client sends, independently of the generated code. Single-threaded, test only.
 */
final class Wire {
  static final int VARINT = 0;
  static final int FIXED64 = 1;
  static final int LEN = 2;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  static Wire of() {
    return new Wire();
  }

  Wire varint(int field, long value) {
    tag(field, VARINT);
    raw(value);
    return this;
  }

  Wire bool(int field, boolean value) {
    return varint(field, value ? 1 : 0);
  }

  /** An int32 field: negative values are sign-extended to ten bytes, as protobuf does. */
  Wire int32(int field, int value) {
    return varint(field, (long) value);
  }

  Wire fixed64(int field, double value) {
    tag(field, FIXED64);
    long bits = Double.doubleToLongBits(value);
    for (int i = 0; i < 8; i++) {
      out.write((int) (bits >>> (8 * i)) & 0xff);
    }
    return this;
  }

  Wire string(int field, String value) {
    return bytes(field, value.getBytes(StandardCharsets.UTF_8));
  }

  Wire message(int field, Wire nested) {
    return bytes(field, nested.toByteArray());
  }

  Wire bytes(int field, byte[] value) {
    tag(field, LEN);
    raw(value.length);
    out.write(value, 0, value.length);
    return this;
  }

  byte[] toByteArray() {
    return out.toByteArray();
  }

  private void tag(int field, int wireType) {
    raw(((long) field << 3) | wireType);
  }

  private void raw(long value) {
    long v = value;
    while ((v & ~0x7FL) != 0) {
      out.write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
  }
}
