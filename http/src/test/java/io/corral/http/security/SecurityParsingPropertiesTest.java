package io.corral.http.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.StringLength;

/**
 * Fuzzing of the credentials and ACL parsers and of Basic authentication: whatever the input,
 * the outcome is a value or an {@link IllegalArgumentException} with Mesos' prefix that names
 * the problem, never another exception (which the agent would answer 500 or die of), and a
 * secret never appears in a message.
 */
class SecurityParsingPropertiesTest {
  private static final String SECRET = "zz-top-secret-zz";
  private static final String VALID_CREDENTIALS =
      "{\"credentials\":[{\"principal\":\"ops\",\"secret\":\"" + SECRET + "\"}]}";
  private static final String VALID_ACLS = "{\"permissive\":false,\"launch_standalone_containers\":"
      + "[{\"principals\":{\"values\":[\"ops\"]},\"users\":{\"type\":\"ANY\"}}]}";

  @Property(tries = 2000)
  void credentialsParseOrNameTheProblem(@ForAll("mutatedCredentials") String json) {
    try {
      Credentials.parse(json);
    } catch (IllegalArgumentException e) {
      assertTrue(e.getMessage().startsWith("Failed to parse credentials: "), e.getMessage());
      assertTrue(e.getMessage().length() > "Failed to parse credentials: ".length());
      assertFalse(e.getMessage().contains(SECRET), "no secret in: " + e.getMessage());
    }
  }

  @Property(tries = 2000)
  void aclsParseOrNameTheProblem(@ForAll("mutatedAcls") String json) {
    try {
      Acls acls = Acls.parse(json);
      for (Action action : Action.values()) {
        acls.approved(action, Optional.of("ops"));
        acls.approved(action, Optional.empty());
      }
    } catch (IllegalArgumentException e) {
      assertTrue(e.getMessage().startsWith("Failed to parse ACLs: "), e.getMessage());
    }
  }

  @Property(tries = 3000)
  void onlyTheRightHeaderAuthenticates(@ForAll("headers") String header) {
    BasicAuthenticator authenticator = new BasicAuthenticator(Credentials.parse(VALID_CREDENTIALS));
    Optional<String> principal = authenticator.authenticate(Optional.of(header));
    assertEquals(proves(header, "ops:" + SECRET), principal.isPresent(), header);
  }

  @Property(tries = 500)
  void anyPrincipalAndSecretWithoutAColonRoundTrip(
      @ForAll @AlphaChars @StringLength(min = 1, max = 20) String principal,
      @ForAll @StringLength(max = 40) String secret) {
    Credentials credentials = Credentials.of(Map.of(principal, secret));
    String header = credentials.basicAuthorization(Optional.empty());
    Optional<String> proved = new BasicAuthenticator(credentials).authenticate(Optional.of(header));
    assertEquals(secret.indexOf(':') < 0, proved.isPresent(), "Mesos splits on every ':'");
    String shown = credentials.toString();
    if (!("Credentials[" + principal + "]").contains(secret)) {
      assertFalse(shown.contains(secret), "toString names principals only: " + shown);
    }
  }

  @Provide
  Arbitrary<String> mutatedCredentials() {
    return mutated(VALID_CREDENTIALS);
  }

  @Provide
  Arbitrary<String> mutatedAcls() {
    return mutated(VALID_ACLS);
  }

  @Provide
  Arbitrary<String> headers() {
    Arbitrary<String> b64 = Arbitraries.strings().ofMaxLength(40)
        .map(s -> Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8)));
    Arbitrary<String> near = Arbitraries.of(basic("ops", SECRET), basic("ops", SECRET + "x"),
        basic("ops", SECRET.substring(1)), basic("op", SECRET), basic("ops:", SECRET),
        "Basic " + SECRET, "Basic " + basic("ops", SECRET));
    return Arbitraries.oneOf(near, b64.map(s -> "Basic " + s), Arbitraries.strings(),
        mutated(basic("ops", SECRET)));
  }

  /** {@code base} with random cuts, insertions and character swaps, or random text. */
  private static Arbitrary<String> mutated(String base) {
    Arbitrary<Integer> at = Arbitraries.integers().between(0, base.length());
    Arbitrary<String> junk = Arbitraries.strings().withChars("{}[]\":,0123456789 abtnulSOMEANY\\")
        .ofMaxLength(6);
    Arbitrary<String> edited = Combinators.combine(at, at, junk).as((i, j, s) ->
        base.substring(0, Math.min(i, j)) + s + base.substring(Math.max(i, j)));
    Arbitrary<String> inserted = Combinators.combine(at, junk).as((i, s) ->
        base.substring(0, i) + s + base.substring(i));
    return Arbitraries.oneOf(edited, inserted, Arbitraries.strings().ofMaxLength(60),
        Arbitraries.just(base));
  }

  /** Whether {@code header} is one space after "Basic" and a base64 form of {@code pair}. */
  private static boolean proves(String header, String pair) {
    String[] parts = header.split(" ", -1);
    if (parts.length != 2 || !parts[0].equals("Basic")) {
      return false;
    }
    try {
      return new String(Base64.getDecoder().decode(parts[1]), StandardCharsets.UTF_8).equals(pair);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static String basic(String principal, String secret) {
    return "Basic " + Base64.getEncoder().encodeToString(
        (principal + ":" + secret).getBytes(StandardCharsets.UTF_8));
  }
}
