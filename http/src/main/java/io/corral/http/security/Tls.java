package io.corral.http.security;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS for the agent's port, with libprocess' switches: {@code LIBPROCESS_SSL_ENABLED},
 * {@code LIBPROCESS_SSL_CERT_FILE}, {@code LIBPROCESS_SSL_KEY_FILE} (PEM, the key in PKCS#8,
 * RSA or EC), {@code LIBPROCESS_SSL_CA_FILE} (PEM certificates that client certificates must
 * chain to) and {@code LIBPROCESS_SSL_REQUIRE_CERT}. With a CA file, a client certificate is
 * asked for and verified when presented; with require_cert, a client without one is refused.
 * The port then speaks TLS only: plaintext fails the handshake. Immutable; {@link #engine()}
 * is called by Pekko HTTP once per connection.
 *
 * @param cert the server's certificate chain
 * @param key its private key
 * @param ca the certificates that client certificates are checked against, if any
 * @param requireCert whether a client must present a certificate
 */
public record Tls(Path cert, Path key, Optional<Path> ca, boolean requireCert) {
  /** The environment variables of libprocess, read as Mesos reads them. */
  public static final String ENABLED = "LIBPROCESS_SSL_ENABLED";
  public static final String CERT_FILE = "LIBPROCESS_SSL_CERT_FILE";
  public static final String KEY_FILE = "LIBPROCESS_SSL_KEY_FILE";
  public static final String CA_FILE = "LIBPROCESS_SSL_CA_FILE";
  public static final String REQUIRE_CERT = "LIBPROCESS_SSL_REQUIRE_CERT";

  /**
   * TLS as {@code environment} asks for it, or empty when {@code LIBPROCESS_SSL_ENABLED} is not
   * true ({@code true} or {@code 1}, as stout parses it).
   *
   * @throws IllegalArgumentException when TLS is on without a certificate or key file
   */
  public static Optional<Tls> fromEnvironment(Map<String, String> environment) {
    if (!isTrue(environment.get(ENABLED))) {
      return Optional.empty();
    }
    String cert = environment.get(CERT_FILE);
    String key = environment.get(KEY_FILE);
    if (cert == null || key == null) {
      throw new IllegalArgumentException("Failed to configure TLS: " + CERT_FILE + " and "
          + KEY_FILE + " are required with " + ENABLED);
    }
    return Optional.of(new Tls(Path.of(cert), Path.of(key),
        Optional.ofNullable(environment.get(CA_FILE)).map(Path::of),
        isTrue(environment.get(REQUIRE_CERT))));
  }

  static boolean isTrue(String value) {
    return value != null && (value.equalsIgnoreCase("true") || value.equals("1"));
  }

  /**
   * The server context, built from the files now (so a bad file stops the agent at start).
   *
   * @throws IllegalArgumentException {@code Failed to load TLS <what> '<path>': <cause>}
   */
  public SSLContext context() {
    if (requireCert && ca.isEmpty()) {
      throw new IllegalArgumentException("Failed to configure TLS: " + REQUIRE_CERT
          + " needs " + CA_FILE + " to verify client certificates");
    }
    try {
      List<Certificate> chain = certificates(cert, "certificate");
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      keys.setKeyEntry("agent", privateKey(key), new char[0], chain.toArray(Certificate[]::new));
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, new char[0]);
      TrustManagerFactory tmf = null;
      if (ca.isPresent()) {
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        int i = 0;
        for (Certificate c : certificates(ca.get(), "CA file")) {
          trusted.setCertificateEntry("ca-" + i++, c);
        }
        tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trusted);
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException("Failed to configure TLS: " + e.getMessage(), e);
    }
  }

  /** A server engine of {@code context} that asks for or requires client certificates. */
  public SSLEngine engine(SSLContext context) {
    SSLEngine engine = context.createSSLEngine();
    engine.setUseClientMode(false);
    if (requireCert) {
      engine.setNeedClientAuth(true);
    } else if (ca.isPresent()) {
      engine.setWantClientAuth(true);
    }
    return engine;
  }

  private static List<Certificate> certificates(Path file, String what) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      List<Certificate> out = new ArrayList<>(
          CertificateFactory.getInstance("X.509").generateCertificates(in));
      if (out.isEmpty()) {
        throw new IOException("no certificate in it");
      }
      return out;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException(
          "Failed to load TLS " + what + " '" + file + "': " + e.getMessage(), e);
    }
  }

  private static PrivateKey privateKey(Path file) {
    try {
      String pem = Files.readString(file, StandardCharsets.US_ASCII);
      int begin = pem.indexOf("-----BEGIN PRIVATE KEY-----");
      int end = pem.indexOf("-----END PRIVATE KEY-----");
      if (begin < 0 || end < begin) {
        throw new IOException("expected a PKCS#8 PEM key (BEGIN PRIVATE KEY)");
      }
      byte[] der = Base64.getMimeDecoder().decode(
          pem.substring(begin + "-----BEGIN PRIVATE KEY-----".length(), end));
      for (String algorithm : List.of("RSA", "EC", "Ed25519")) {
        try {
          return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException tryTheNext) {
          // not this algorithm
        }
      }
      throw new IOException("not an RSA, EC or Ed25519 key");
    } catch (IOException | IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "Failed to load TLS key '" + file + "': " + e.getMessage(), e);
    }
  }
}
