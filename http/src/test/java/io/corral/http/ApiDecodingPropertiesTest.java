package io.corral.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.http.ApiCodec.Encoding;
import io.corral.http.ApiCodec.Result;
import io.corral.proto.v1.agent.Call;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Fuzzing of the v1 request decoders and validation: mutated JSON calls and random or mutated
 * protobuf bytes either decode and validate, or are refused with a 400 whose text names the
 * problem; no exception escapes (the route would answer 500).
 */
class ApiDecodingPropertiesTest {
  private static final String LAUNCH = "{\"type\":\"LAUNCH_CONTAINER\",\"launch_container\":{"
      + "\"container_id\":{\"value\":\"c1\"},\"command\":{\"value\":\"sleep 1\",\"shell\":true,"
      + "\"arguments\":[\"a\"]},\"resources\":[{\"name\":\"cpus\",\"type\":\"SCALAR\","
      + "\"scalar\":{\"value\":0.5}}],\"container\":{\"type\":\"MESOS\",\"linux_info\":"
      + "{\"share_pid_namespace\":false}}}}";
  private static final byte[] LAUNCH_BYTES = decodeValid(LAUNCH).toByteArray();

  @Property(tries = 3000)
  void jsonCallsDecodeOrAre400(@ForAll("jsonCalls") String json) {
    check(ApiCodec.decode(Encoding.JSON, json.getBytes(StandardCharsets.UTF_8)));
  }

  @Property(tries = 3000)
  void protobufCallsDecodeOrAre400(@ForAll("protobufCalls") byte[] body) {
    check(ApiCodec.decode(Encoding.PROTOBUF, body));
  }

  private static void check(Result<Call> call) {
    if (call.refusal() != null) {
      assertEquals(400, call.refusal().status().intValue());
      return;
    }
    assertNotNull(call.value());
    Optional<String> invalid = CallValidation.validate(call.value());
    invalid.ifPresent(reason -> assertFalse(reason.isBlank(), "a refusal names its problem"));
  }

  @Provide
  Arbitrary<String> jsonCalls() {
    Arbitrary<Integer> at = Arbitraries.integers().between(0, LAUNCH.length());
    Arbitrary<String> junk = Arbitraries.strings()
        .withChars("{}[]\":,.-+eE0123456789 truefalsnul\\u").ofMaxLength(8);
    Arbitrary<String> edited = Combinators.combine(at, at, junk).as((i, j, s) ->
        LAUNCH.substring(0, Math.min(i, j)) + s + LAUNCH.substring(Math.max(i, j)));
    return Arbitraries.oneOf(edited, Arbitraries.strings().ofMaxLength(80));
  }

  @Provide
  Arbitrary<byte[]> protobufCalls() {
    Arbitrary<Integer> at = Arbitraries.integers().between(0, LAUNCH_BYTES.length - 1);
    Arbitrary<Byte> value = Arbitraries.bytes();
    Arbitrary<byte[]> flipped = Combinators.combine(at, value).as((i, b) -> {
      byte[] copy = LAUNCH_BYTES.clone();
      copy[i] = b;
      return copy;
    });
    Arbitrary<byte[]> cut = at.map(i -> java.util.Arrays.copyOf(LAUNCH_BYTES, i));
    Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(64);
    return Arbitraries.oneOf(flipped, cut, random);
  }

  private static Call decodeValid(String json) {
    Result<Call> call = ApiCodec.decode(Encoding.JSON, json.getBytes(StandardCharsets.UTF_8));
    assertTrue(call.refusal() == null, "the seed call decodes");
    return call.value();
  }
}
