package io.corral.http.security;

import static io.corral.posix.testing.SeededTries.forAll;
import static io.corral.posix.testing.SeededTries.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.posix.testing.SeededTries;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

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

  private static final long SEED = 0x5eed_5ecL;
  private static final String JSON_JUNK = "{}[]\":,0123456789 abtnulSOMEANY\\";
  private static final String ALPHA = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  private static final List<String> NEAR_HEADERS = List.of(basic("ops", SECRET),
      basic("ops", SECRET + "x"), basic("ops", SECRET.substring(1)), basic("op", SECRET),
      basic("ops:", SECRET), "Basic " + SECRET, "Basic " + basic("ops", SECRET));

  @Test
  void credentialsParseOrNameTheProblem() {
    forAll(SEED, 2000, edgeCases(VALID_CREDENTIALS), r -> mutated(r, VALID_CREDENTIALS), json -> {
      try {
        Credentials.parse(json);
      } catch (IllegalArgumentException e) {
        assertTrue(e.getMessage().startsWith("Failed to parse credentials: "), e.getMessage());
        assertTrue(e.getMessage().length() > "Failed to parse credentials: ".length());
        assertFalse(e.getMessage().contains(SECRET), "no secret in: " + e.getMessage());
      }
    });
  }

  @Test
  void aclsParseOrNameTheProblem() {
    forAll(SEED + 1, 2000, edgeCases(VALID_ACLS), r -> mutated(r, VALID_ACLS), json -> {
      try {
        Acls acls = Acls.parse(json);
        for (Action action : Action.values()) {
          acls.approved(action, Optional.of("ops"));
          acls.approved(action, Optional.empty());
        }
      } catch (IllegalArgumentException e) {
        assertTrue(e.getMessage().startsWith("Failed to parse ACLs: "), e.getMessage());
      }
    });
  }

  @Test
  void onlyTheRightHeaderAuthenticates() {
    BasicAuthenticator authenticator = new BasicAuthenticator(Credentials.parse(VALID_CREDENTIALS));
    List<String> examples = new ArrayList<>(NEAR_HEADERS);
    examples.addAll(List.of("", " ", "Basic", "Basic ", "Basic  " + basic("ops", SECRET).substring(6),
        basic("ops", SECRET) + " ", basic("ops", SECRET) + "=", "basic" + basic("ops", SECRET).substring(5)));
    forAll(SEED + 2, 3000, examples, SecurityParsingPropertiesTest::header, header -> {
      Optional<String> principal = authenticator.authenticate(Optional.of(header));
      assertEquals(proves(header, "ops:" + SECRET), principal.isPresent(), header);
    });
  }

  @Test
  void anyPrincipalAndSecretWithoutAColonRoundTrip() {
    List<String[]> examples = List.of(new String[] {"a", ""}, new String[] {"a", ":"},
        new String[] {"Z", "a"}, new String[] {"ops", "x:y"}, new String[] {"ops", " "},
        new String[] {"ops", "\0"}, new String[] {"ops", "\uffff"}, new String[] {"ops", "ops"});
    forAll(SEED + 3, 500, examples.stream().map(List::of).toList(),
        r -> List.of(text(r, ALPHA, 19) + ALPHA.charAt(r.nextInt(ALPHA.length())), text(r, 40)),
        pair -> roundTrips(pair.get(0), pair.get(1)));
  }

  private static void roundTrips(String principal, String secret) {
    Credentials credentials = Credentials.of(Map.of(principal, secret));
    String header = credentials.basicAuthorization(Optional.empty());
    Optional<String> proved = new BasicAuthenticator(credentials).authenticate(Optional.of(header));
    assertEquals(secret.indexOf(':') < 0, proved.isPresent(), "Mesos splits on every ':'");
    String shown = credentials.toString();
    if (!("Credentials[" + principal + "]").contains(secret)) {
      assertFalse(shown.contains(secret), "toString names principals only: " + shown);
    }
  }

  /** The valid text, the empty text, and the valid text cut by one char at either end. */
  private static List<String> edgeCases(String base) {
    return List.of(base, "", base.substring(1), base.substring(0, base.length() - 1), "{}", "null");
  }

  /** A header near the right one, "Basic" and base64 of random text, random text, or mutated. */
  private static String header(Random random) {
    return switch (random.nextInt(4)) {
      case 0 -> NEAR_HEADERS.get(random.nextInt(NEAR_HEADERS.size()));
      case 1 -> "Basic " + Base64.getEncoder().encodeToString(
          text(random, 40).getBytes(StandardCharsets.UTF_8));
      case 2 -> text(random, 255);
      default -> mutated(random, basic("ops", SECRET));
    };
  }

  /** {@code base} with a random span replaced or junk inserted, random text, or {@code base}. */
  private static String mutated(Random random, String base) {
    String junk = text(random, JSON_JUNK, 6);
    return switch (random.nextInt(4)) {
      case 0 -> SeededTries.edited(random, base, junk);
      case 1 -> {
        int at = random.nextInt(base.length() + 1);
        yield base.substring(0, at) + junk + base.substring(at);
      }
      case 2 -> text(random, 60);
      default -> base;
    };
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
