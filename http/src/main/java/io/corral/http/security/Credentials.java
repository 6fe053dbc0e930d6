package io.corral.http.security;

import com.google.protobuf.Struct;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The principals and secrets of Mesos' {@code --http_credentials} file: {@code
 * {"credentials":[{"principal":"p","secret":"s"}, ...]}}. Immutable and thread-safe. Secrets
 * never leave this class and the {@link BasicAuthenticator}: {@link #toString()} names the
 * principals only, and no error message quotes the file's text.
 */
public final class Credentials {
  private static final Logger LOG = LoggerFactory.getLogger(Credentials.class);

  private final Map<String, byte[]> secrets;

  private Credentials(Map<String, byte[]> secrets) {
    this.secrets = Collections.unmodifiableMap(secrets);
  }

  /**
   * Reads a credentials file given as {@code /path} or {@code file:///path}, as the Mesos agent
   * does (a file readable by others is warned about).
   *
   * @throws IllegalArgumentException {@code Failed to read credentials file '<path>': <cause>},
   *     or {@code Failed to parse credentials: <cause>}
   */
  public static Credentials read(String flag) {
    Path path = Path.of(flag.startsWith("file://") ? flag.substring("file://".length()) : flag);
    LOG.info("Loading credentials for authentication from '{}'", path);
    String json;
    try {
      json = Files.readString(path, StandardCharsets.UTF_8);
      Set<PosixFilePermission> mode = Files.getPosixFilePermissions(path);
      if (mode.contains(PosixFilePermission.OTHERS_READ)
          || mode.contains(PosixFilePermission.OTHERS_WRITE)
          || mode.contains(PosixFilePermission.OTHERS_EXECUTE)) {
        LOG.warn("Permissions on credentials file '{}' are too open; it is recommended that your"
            + " credentials file is NOT accessible by others", path);
      }
    } catch (IOException | UnsupportedOperationException e) {
      throw new IllegalArgumentException(
          "Failed to read credentials file '" + path + "': " + describe(e), e);
    }
    return parse(json);
  }

  /**
   * Parses the JSON text of a credentials file.
   *
   * @throws IllegalArgumentException {@code Failed to parse credentials: <cause>}, naming the
   *     field at fault and never quoting the text
   */
  public static Credentials parse(String json) {
    try {
      Struct root = JsonFields.object(json);
      Map<String, byte[]> secrets = new LinkedHashMap<>();
      int index = 0;
      for (Struct entry : JsonFields.objects(root, "credentials")) {
        String where = "'credentials[" + index++ + "]";
        String principal = JsonFields.string(entry, "principal").orElseThrow(
            () -> new IllegalArgumentException(where + ".principal' is required"));
        String secret = JsonFields.string(entry, "secret").orElse("");
        if (principal.isEmpty() || principal.indexOf(':') >= 0) {
          throw new IllegalArgumentException(where + ".principal' must be non-empty, without ':'");
        }
        if (secrets.containsKey(principal)) {
          throw new IllegalArgumentException(where + ".principal' repeats an earlier principal");
        }
        secrets.put(principal, secret.getBytes(StandardCharsets.UTF_8));
      }
      if (secrets.isEmpty()) {
        throw new IllegalArgumentException("'credentials' holds no credential");
      }
      return new Credentials(secrets);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Failed to parse credentials: " + e.getMessage());
    }
  }

  /** Builds credentials from principals and secrets (tests, and the generated default file). */
  public static Credentials of(Map<String, String> secrets) {
    Map<String, byte[]> bytes = new LinkedHashMap<>();
    secrets.forEach((p, s) -> bytes.put(p, s.getBytes(StandardCharsets.UTF_8)));
    return new Credentials(bytes);
  }

  /**
   * The {@code Authorization} header value that proves {@code principal} (or, when empty, the
   * first principal of the file), for a client of the agent.
   *
   * @throws IllegalArgumentException {@code Failed to find principal '<p>' in the credentials}
   */
  public String basicAuthorization(Optional<String> principal) {
    String who = principal.orElseGet(() -> secrets.keySet().iterator().next());
    byte[] secret = secrets.get(who);
    if (secret == null) {
      throw new IllegalArgumentException("Failed to find principal '" + who + "' in the credentials");
    }
    String pair = who + ":" + new String(secret, StandardCharsets.UTF_8);
    return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
  }

  /** The secret of {@code principal}, or null; for {@link BasicAuthenticator} only. */
  byte[] secret(String principal) {
    return secrets.get(principal);
  }

  /** The principals, in the file's order. */
  public Set<String> principals() {
    return secrets.keySet();
  }

  @Override
  public String toString() {
    return "Credentials" + secrets.keySet();
  }

  private static String describe(Exception e) {
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "No such file or directory";
    }
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "Permission denied";
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
