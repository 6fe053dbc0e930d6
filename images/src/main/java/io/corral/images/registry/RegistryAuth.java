package io.corral.images.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The registry side of authentication: answers a {@code WWW-Authenticate} challenge with Basic
 * credentials from {@code --docker_config}, or with a Bearer token from the challenge's realm
 * (asked for with {@code service} and {@code scope}, and with those credentials if there are any).
 * Tokens are cached per registry and scope until shortly before they expire; a token refused with
 * {@code error="insufficient_scope"} is replaced by one for the scope the registry names.
 * Thread-safe.
 */
final class RegistryAuth {
  private static final ObjectMapper JSON = new ObjectMapper();

  private record Token(String value, Instant expires) {}

  private final Transport transport;
  private final DockerConfig config;
  private final Map<String, Boolean> basicHosts = new ConcurrentHashMap<>();
  private final Map<String, Token> tokens = new ConcurrentHashMap<>();

  RegistryAuth(Transport transport, DockerConfig config) {
    this.transport = transport;
    this.config = config;
  }

  /** The Authorization header to send to {@code authority} for {@code scope}, or null. */
  String header(String authority, String scope) {
    if (basicHosts.containsKey(authority)) {
      return config.lookup(authority).map(DockerConfig.Credentials::basicHeader).orElse(null);
    }
    Token t = tokens.get(authority + " " + scope);
    if (t != null && Instant.now().isBefore(t.expires())) {
      return "Bearer " + t.value();
    }
    return null;
  }

  /**
   * Prepares the answer to {@code challenge}, received for {@code scope} after sending
   * {@code sent} (null if nothing); throws if there is none, or if {@code sent} already was it.
   */
  void answer(String authority, String scope, String challengeHeader, String sent) throws IOException {
    if (challengeHeader == null) {
      throw new RegistryException("registry '" + authority + "' answered 401 Unauthorized without a challenge");
    }
    Challenge challenge = Challenge.parse(challengeHeader);
    Optional<DockerConfig.Credentials> credentials = config.lookup(authority);
    if (challenge.scheme().equals("basic")) {
      if (credentials.isEmpty()) {
        throw new RegistryException("registry '" + authority + "' requires authentication (Basic) and "
            + "--docker_config has no credentials for it");
      }
      if (sent != null && sent.startsWith("Basic ")) {
        throw new RegistryException("registry '" + authority + "' refused the credentials of user '"
            + credentials.get().user() + "' (401 Unauthorized)");
      }
      basicHosts.put(authority, Boolean.TRUE);
      return;
    }
    if (!challenge.scheme().equals("bearer") || challenge.param("realm") == null) {
      throw new RegistryException("registry '" + authority + "' sent an unsupported challenge '" + challengeHeader + "'");
    }
    boolean insufficient = "insufficient_scope".equals(challenge.param("error"));
    if (sent != null && sent.startsWith("Bearer ") && !insufficient) {
      throw new RegistryException("registry '" + authority + "' refused the token from '" + challenge.param("realm")
          + "' (401 Unauthorized)");
    }
    String asked = challenge.param("scope") != null ? challenge.param("scope") : scope;
    Token token = fetchToken(challenge, asked, credentials);
    tokens.put(authority + " " + scope, token);
    tokens.put(authority + " " + asked, token);
  }

  private Token fetchToken(Challenge c, String scope, Optional<DockerConfig.Credentials> credentials)
      throws IOException {
    String realm = c.param("realm");
    StringBuilder query = new StringBuilder();
    if (c.param("service") != null) {
      query.append("service=").append(URLEncoder.encode(c.param("service"), StandardCharsets.UTF_8));
    }
    if (scope != null && !scope.isEmpty()) {
      query.append(query.length() > 0 ? "&" : "").append("scope=").append(URLEncoder.encode(scope, StandardCharsets.UTF_8));
    }
    if (credentials.isPresent()) {
      query.append(query.length() > 0 ? "&" : "").append("account=")
          .append(URLEncoder.encode(credentials.get().user(), StandardCharsets.UTF_8));
    }
    URI uri = URI.create(realm + (realm.contains("?") ? "&" : "?") + query);
    if (uri.getScheme() == null || !uri.getScheme().startsWith("http")) {
      throw new RegistryException("token realm '" + realm + "' is not an http(s) URL");
    }
    HttpResponse<InputStream> r =
        transport.get(uri, "application/json", credentials.map(DockerConfig.Credentials::basicHeader).orElse(null));
    byte[] body = Transport.readLimited(r.body(), 1 << 20, "token response from '" + realm + "'");
    if (r.statusCode() == 401 || r.statusCode() == 403) {
      throw new RegistryException("token realm '" + realm + "' refused "
          + (credentials.isPresent() ? "the credentials of user '" + credentials.get().user() + "'" : "anonymous access")
          + " (" + r.statusCode() + ")");
    }
    if (r.statusCode() != 200) {
      throw new RegistryException("token realm '" + realm + "' answered HTTP " + r.statusCode());
    }
    JsonNode json = JSON.readTree(body);
    String token = json.path("token").asText(json.path("access_token").asText(""));
    if (token.isEmpty()) {
      throw new RegistryException("token realm '" + realm + "' sent no token");
    }
    long ttl = Math.max(json.path("expires_in").asLong(60), 60);
    return new Token(token, Instant.now().plusSeconds(ttl - 10));
  }
}
