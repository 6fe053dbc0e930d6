package io.corral.images.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A registry token server for tests (no Debian package has one): on 127.0.0.1, it answers
 * {@code GET /token?service=&scope=} for Basic credentials {@code user:password} with an RS256
 * JWT whose header carries the certificate ({@code x5c}) that the registry trusts, and whose claims
 * ({@code iss}, {@code aud}, {@code sub}, {@code exp}, {@code nbf}, {@code iat}, {@code jti},
 * {@code access}) grant the scopes asked for. The key and the self-signed certificate are made
 * with {@code openssl req -x509}. {@link #narrowFirstToken} makes the first token grant another
 * repository, so that the registry answers {@code insufficient_scope}.
 */
public final class TokenServer implements AutoCloseable {
  public static final String SERVICE = "corral-registry";
  public static final String ISSUER = "corral-issuer";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

  private final HttpServer server;
  private final Path certificate;
  private final PrivateKey key;
  private final String x5c;
  private final String basic;
  private final List<String> scopesAsked = new CopyOnWriteArrayList<>();
  private volatile boolean narrowFirst;

  private TokenServer(Path dir, String user, String password) throws IOException, GeneralSecurityException {
    Files.createDirectories(dir);
    Path keyPem = dir.resolve("token-key.pem");
    certificate = dir.resolve("token-cert.pem");
    Commands.run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyPem.toString(),
        "-out", certificate.toString(), "-days", "2", "-subj", "/CN=corral-token");
    key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(pem(keyPem)));
    try (InputStream in = Files.newInputStream(certificate)) {
      x5c = Base64.getEncoder().encodeToString(
          CertificateFactory.getInstance("X.509").generateCertificate(in).getEncoded());
    }
    basic = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    server.createContext("/token", this::handle);
    server.start();
  }

  /** Starts a token server for {@code user}/{@code password}, its key and certificate in {@code dir}. */
  public static TokenServer start(Path dir, String user, String password) throws IOException {
    try {
      return new TokenServer(dir, user, password);
    } catch (GeneralSecurityException e) {
      throw new IOException("Failed to load the token key: " + e.getMessage(), e);
    }
  }

  public String realm() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
  }

  /** The certificate the registry's {@code rootcertbundle} must hold. */
  public Path certificate() {
    return certificate;
  }

  /** The {@code scope} of every token request answered or refused, in order. */
  public List<String> scopesAsked() {
    return List.copyOf(scopesAsked);
  }

  /** The next token grants pull on {@code other/repository} instead of what was asked. */
  public void narrowFirstToken() {
    narrowFirst = true;
  }

  private void handle(HttpExchange ex) throws IOException {
    List<String> scopes = new ArrayList<>();
    String service = "";
    String query = ex.getRequestURI().getRawQuery();
    for (String pair : query == null ? new String[0] : query.split("&")) {
      String[] kv = pair.split("=", 2);
      String v = kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "";
      if (kv[0].equals("scope")) {
        scopes.add(v);
      } else if (kv[0].equals("service")) {
        service = v;
      }
    }
    scopesAsked.add(String.join(" ", scopes));
    if (!basic.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
      ex.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"token\"");
      ex.sendResponseHeaders(401, -1);
      ex.close();
      return;
    }
    if (narrowFirst) {
      narrowFirst = false;
      scopes = List.of("repository:other/repository:pull");
    }
    String token = jwt(service, scopes);
    byte[] body = JSON.writeValueAsBytes(JSON.createObjectNode().put("token", token).put("access_token", token)
        .put("expires_in", 300));
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders(200, body.length);
    ex.getResponseBody().write(body);
    ex.close();
  }

  private String jwt(String service, List<String> scopes) throws IOException {
    ObjectNode header = JSON.createObjectNode().put("typ", "JWT").put("alg", "RS256");
    header.putArray("x5c").add(x5c);
    long now = System.currentTimeMillis() / 1000;
    ObjectNode claims = JSON.createObjectNode().put("iss", ISSUER).put("sub", "corral").put("aud", service)
        .put("exp", now + 300).put("nbf", now - 10).put("iat", now).put("jti", UUID.randomUUID().toString());
    ArrayNode access = claims.putArray("access");
    for (String scope : scopes) {
      String[] parts = scope.split(":", 3);
      if (parts.length == 3) {
        ObjectNode a = access.addObject().put("type", parts[0]).put("name", parts[1]);
        for (String action : parts[2].split(",")) {
          a.withArray("actions").add(action);
        }
      }
    }
    String signingInput = B64URL.encodeToString(JSON.writeValueAsBytes(header)) + "."
        + B64URL.encodeToString(JSON.writeValueAsBytes(claims));
    try {
      Signature rsa = Signature.getInstance("SHA256withRSA");
      rsa.initSign(key);
      rsa.update(signingInput.getBytes(StandardCharsets.US_ASCII));
      return signingInput + "." + B64URL.encodeToString(rsa.sign());
    } catch (GeneralSecurityException e) {
      throw new IOException("Failed to sign a token: " + e.getMessage(), e);
    }
  }

  private static byte[] pem(Path file) throws IOException {
    String text = Files.readString(file);
    String body = text.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    return Base64.getDecoder().decode(body);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
