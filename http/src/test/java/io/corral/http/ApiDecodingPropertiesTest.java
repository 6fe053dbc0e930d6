package io.corral.http;

import static io.corral.posix.testing.SeededTries.forAll;
import static io.corral.posix.testing.SeededTries.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.http.ApiCodec.Encoding;
import io.corral.http.ApiCodec.Result;
import io.corral.posix.testing.SeededTries;
import io.corral.proto.v1.agent.Call;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

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

  private static final long SEED = 0x5eed_a91dL;
  private static final String JSON_JUNK = "{}[]\":,.-+eE0123456789 truefalsnul\\u";

  @Test
  void jsonCallsDecodeOrAre400() {
    List<String> examples = List.of(LAUNCH, "", "{", "}", "null", "[]", "{}", "\"\\u",
        LAUNCH.substring(0, LAUNCH.length() - 1), LAUNCH.substring(1), LAUNCH + "}");
    forAll(SEED, 3000, examples, ApiDecodingPropertiesTest::jsonCall,
        json -> check(ApiCodec.decode(Encoding.JSON, json.getBytes(StandardCharsets.UTF_8))));
  }

  @Test
  void protobufCallsDecodeOrAre400() {
    List<byte[]> examples = List.of(LAUNCH_BYTES, new byte[0], new byte[] {0}, new byte[] {-1},
        new byte[] {-128}, new byte[] {127}, Arrays.copyOf(LAUNCH_BYTES, LAUNCH_BYTES.length - 1));
    forAll(SEED + 1, 3000, examples, ApiDecodingPropertiesTest::protobufCall,
        body -> check(ApiCodec.decode(Encoding.PROTOBUF, body)));
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

  /** The valid call with a random span replaced by JSON-ish junk, or random text. */
  private static String jsonCall(Random random) {
    if (random.nextBoolean()) {
      return SeededTries.edited(random, LAUNCH, text(random, JSON_JUNK, 8));
    }
    return text(random, 80);
  }

  /** The valid call's bytes with one byte set, cut short, or random bytes. */
  private static byte[] protobufCall(Random random) {
    int at = random.nextInt(LAUNCH_BYTES.length);
    switch (random.nextInt(3)) {
      case 0 -> {
        byte[] copy = LAUNCH_BYTES.clone();
        copy[at] = (byte) random.nextInt(256);
        return copy;
      }
      case 1 -> {
        return Arrays.copyOf(LAUNCH_BYTES, at);
      }
      default -> {
        byte[] bytes = new byte[random.nextInt(65)];
        random.nextBytes(bytes);
        return bytes;
      }
    }
  }

  private static Call decodeValid(String json) {
    Result<Call> call = ApiCodec.decode(Encoding.JSON, json.getBytes(StandardCharsets.UTF_8));
    assertTrue(call.refusal() == null, "the seed call decodes");
    return call.value();
  }
}
