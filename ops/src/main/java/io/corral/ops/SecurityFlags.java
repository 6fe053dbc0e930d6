package io.corral.ops;

import io.corral.http.security.Acls;
import io.corral.http.security.Credentials;
import io.corral.http.security.HttpSecurity;
import io.corral.http.security.Tls;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/**
 * The HTTP security flags of {@code corral agent}, with Mesos' names where Mesos has them. One
 * deliberate divergence: as root, {@code --authenticate_http_readwrite} defaults to true (Mesos:
 * false), with credentials generated on first start ({@link DefaultCredentials}) when
 * {@code --http_credentials} is not given; turning it off is logged at WARN, and refused on an
 * address other than loopback unless {@code --insecure_http} is given. Read on the main thread
 * by {@link #resolve} at start.
 */
final class SecurityFlags {
  private static final Logger LOG = LoggerFactory.getLogger(SecurityFlags.class);

  @Option(names = "--authenticate_http_readwrite", paramLabel = "BOOL", arity = "0..1",
      fallbackValue = "true",
      description = "Only authenticated requests may use the read-write endpoint /api/v1 (every"
          + " call of it, as in Mesos). Default: true as root (Corral's secure default; Mesos:"
          + " false), else false.")
  Boolean authenticateHttpReadwrite;

  @Option(names = "--authenticate_http_readonly", paramLabel = "BOOL", arity = "0..1",
      fallbackValue = "true", defaultValue = "false",
      description = "Only authenticated requests may read /state, /containers,"
          + " /monitor/statistics, /metrics and /metrics/snapshot. Default: ${DEFAULT-VALUE}.")
  boolean authenticateHttpReadonly;

  @Option(names = "--http_credentials", paramLabel = "PATH",
      description = "JSON file ({\"credentials\":[{\"principal\":..,\"secret\":..}]}, /path or"
          + " file:///path) of the principals HTTP Basic authentication accepts. Default: as"
          + " root with authentication on, <work_dir>/credentials, created with one random"
          + " principal and secret (mode 0600) when missing, never overwritten.")
  String httpCredentials;

  @Option(names = "--acls", paramLabel = "JSON",
      description = "Mesos ACLs (JSON, or /path or file:///path to it) for the actions"
          + " launch/wait/kill/remove/view_standalone_containers, with 'permissive'. Refused"
          + " calls are 403. Default: none (everything is allowed).")
  String acls;

  @Option(names = "--insecure_http", paramLabel = "BOOL", arity = "0..1", fallbackValue = "true",
      defaultValue = "false",
      description = "Allow serving /api/v1 without authentication on an address other than"
          + " loopback (anyone who reaches it can run commands as the agent's user)."
          + " Default: ${DEFAULT-VALUE}.")
  boolean insecureHttp;

  @Option(names = "--ssl_enabled", paramLabel = "BOOL", arity = "0..1", fallbackValue = "true",
      description = "Serve TLS only, as libprocess' LIBPROCESS_SSL_ENABLED (read when the flag"
          + " is not given), with --ssl_cert_file and --ssl_key_file. Default: false.")
  Boolean sslEnabled;

  @Option(names = "--ssl_cert_file", paramLabel = "PATH",
      description = "PEM certificate chain of the agent. Default: $LIBPROCESS_SSL_CERT_FILE.")
  String sslCertFile;

  @Option(names = "--ssl_key_file", paramLabel = "PATH",
      description = "PEM (PKCS#8) private key of the agent. Default: $LIBPROCESS_SSL_KEY_FILE.")
  String sslKeyFile;

  @Option(names = "--ssl_ca_file", paramLabel = "PATH",
      description = "PEM CA certificates; client certificates are asked for and verified"
          + " against them. Default: $LIBPROCESS_SSL_CA_FILE.")
  String sslCaFile;

  @Option(names = "--ssl_require_cert", paramLabel = "BOOL", arity = "0..1",
      fallbackValue = "true",
      description = "Refuse clients without a certificate. Default: $LIBPROCESS_SSL_REQUIRE_CERT,"
          + " else false.")
  Boolean sslRequireCert;

  /**
   * TLS from the {@code --ssl_*} flags, each falling back to its libprocess variable in
   * {@code environment}; empty when it is not enabled.
   *
   * @throws StartupException when enabled without a certificate or key
   */
  Optional<Tls> tls(Map<String, String> environment) {
    Map<String, String> merged = new HashMap<>(environment);
    put(merged, Tls.ENABLED, sslEnabled);
    put(merged, Tls.CERT_FILE, sslCertFile);
    put(merged, Tls.KEY_FILE, sslKeyFile);
    put(merged, Tls.CA_FILE, sslCaFile);
    put(merged, Tls.REQUIRE_CERT, sslRequireCert);
    try {
      return Tls.fromEnvironment(merged);
    } catch (IllegalArgumentException e) {
      throw new StartupException(e.getMessage(), e);
    }
  }

  private static void put(Map<String, String> env, String key, Object flag) {
    if (flag != null) {
      env.put(key, flag.toString());
    }
  }

  /**
   * Fills the defaults and builds what the routes enforce: the credentials file read (or, as
   * root by default, created under {@code workDir}), the ACLs parsed.
   *
   * @throws StartupException for a bad credentials file or ACLs, or an unauthenticated
   *     read-write API on a non-loopback {@code ip} without {@code --insecure_http}
   */
  HttpSecurity resolve(boolean root, Path workDir, String ip) {
    boolean given = authenticateHttpReadwrite != null;
    if (!given) {
      authenticateHttpReadwrite = root;
    }
    if (!authenticateHttpReadwrite) {
      refuseInsecureBind(ip);
      if (root) {
        LOG.warn("Read-write HTTP calls are not authenticated (--authenticate_http_readwrite="
            + "false): anyone who can reach {} can run commands as root", ip);
      }
    }
    boolean authenticating = authenticateHttpReadwrite || authenticateHttpReadonly;
    if (httpCredentials == null && authenticating && root) {
      httpCredentials = DefaultCredentials.ensure(workDir).toString();
    }
    try {
      Optional<Credentials> credentials =
          Optional.ofNullable(httpCredentials).map(Credentials::read);
      Optional<Acls> parsed = Optional.ofNullable(acls).map(Acls::fromFlag);
      parsed.filter(a -> !a.unusedFields().isEmpty()).ifPresent(a -> LOG.warn(
          "Ignoring the ACLs of actions this agent does not serve: {}", a.unusedFields()));
      return new HttpSecurity(
          authenticateHttpReadwrite, authenticateHttpReadonly, credentials, parsed);
    } catch (IllegalArgumentException e) {
      throw new StartupException(e.getMessage(), e);
    }
  }

  private void refuseInsecureBind(String ip) {
    if (insecureHttp || isLoopback(ip)) {
      return;
    }
    throw new StartupException("Failed to start: /api/v1 would accept unauthenticated calls on '"
        + ip + "'; give --authenticate_http_readwrite (with --http_credentials), listen on"
        + " loopback, or allow it with --insecure_http");
  }

  static boolean isLoopback(String ip) {
    try {
      return InetAddress.getByName(ip).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
