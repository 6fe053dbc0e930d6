package io.corral.http.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Optional;

/**
 * HTTP Basic authentication as libprocess' {@code BasicAuthenticator} does it: the
 * {@code Authorization} header must be exactly {@code Basic <base64 of principal:secret>}, with
 * one space and one colon, naming a known principal and its secret; anything else is
 * unauthenticated. Secrets are compared in constant time (SHA-256 digests of both sides, compared
 * with {@link MessageDigest#isEqual}); an unknown principal costs the same comparison.
 * Immutable and thread-safe.
 */
public final class BasicAuthenticator {
  private static final byte[] NO_SECRET = digest(new byte[0]);

  private final Credentials credentials;

  public BasicAuthenticator(Credentials credentials) {
    this.credentials = credentials;
  }

  /** The principal that {@code authorization} (the header's value, if sent) proves. */
  public Optional<String> authenticate(Optional<String> authorization) {
    if (authorization.isEmpty()) {
      return Optional.empty();
    }
    String[] components = authorization.get().split(" ", -1);
    if (components.length != 2 || !components[0].equals("Basic")) {
      return Optional.empty();
    }
    byte[] decoded;
    try {
      decoded = Base64.getDecoder().decode(components[1]);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    String[] credential = new String(decoded, StandardCharsets.UTF_8).split(":", -1);
    if (credential.length != 2) {
      return Optional.empty();
    }
    byte[] known = credentials.secret(credential[0]);
    byte[] given = digest(credential[1].getBytes(StandardCharsets.UTF_8));
    boolean equal = MessageDigest.isEqual(known == null ? NO_SECRET : digest(known), given);
    return equal && known != null ? Optional.of(credential[0]) : Optional.empty();
  }

  private static byte[] digest(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("Failed to find SHA-256: " + e.getMessage(), e);
    }
  }
}
