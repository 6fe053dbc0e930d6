package io.corral.images.registry;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** Content digests of the form {@code sha256:<64 hex>}, the only algorithm the store accepts. */
public final class Digests {

  private static final Pattern SHA256 = Pattern.compile("sha256:[a-f0-9]{64}");

  private Digests() {}

  /** Whether {@code digest} is a well-formed sha256 digest. */
  public static boolean isSha256(String digest) {
    return digest != null && SHA256.matcher(digest).matches();
  }

  /** The hex part of a checked sha256 digest; refuses anything else, so it is safe in a path. */
  public static String hex(String digest) throws RegistryException {
    if (!isSha256(digest)) {
      throw new RegistryException("unsupported or malformed digest '" + digest + "'");
    }
    return digest.substring("sha256:".length());
  }

  /** A fresh SHA-256 message digest. */
  public static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** {@code sha256:<hex>} of what {@code md} has seen. */
  public static String format(MessageDigest md) {
    return "sha256:" + HexFormat.of().formatHex(md.digest());
  }

  /** {@code sha256:<hex>} of {@code bytes}. */
  public static String of(byte[] bytes) {
    MessageDigest md = sha256();
    md.update(bytes);
    return format(md);
  }

  /** {@code sha256:<hex>} of everything {@code in} yields; does not close it. */
  public static String of(InputStream in) throws IOException {
    MessageDigest md = sha256();
    byte[] buffer = new byte[64 * 1024];
    for (int n; (n = in.read(buffer)) > 0; ) {
      md.update(buffer, 0, n);
    }
    return format(md);
  }

  /** {@code sha256:<hex>} of a file. */
  public static String of(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return of(in);
    }
  }
}
