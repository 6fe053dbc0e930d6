package io.corral.http.security;

import java.util.Optional;

/**
 * Who may reach the agent's HTTP endpoints: which realms require authentication, the
 * credentials they accept, and the ACLs of the standalone-container actions. Built once by
 * {@code ops} from {@code --authenticate_http_readwrite}, {@code --authenticate_http_readonly},
 * {@code --http_credentials} and {@code --acls}; immutable and thread-safe.
 *
 * @param authenticateReadwrite whether the read-write realm ({@code /api/v1}) requires
 *     authentication
 * @param authenticateReadonly whether the read-only realm (the GET endpoints) requires it
 * @param credentials what Basic authentication accepts; required when either realm is on
 * @param acls the authorizer; empty means every action is allowed, as Mesos without
 *     {@code --acls}
 */
public record HttpSecurity(
    boolean authenticateReadwrite,
    boolean authenticateReadonly,
    Optional<Credentials> credentials,
    Optional<Acls> acls) {

  public HttpSecurity {
    for (Realm realm : Realm.values()) {
      boolean on = realm == Realm.READWRITE ? authenticateReadwrite : authenticateReadonly;
      if (on && credentials.isEmpty()) {
        throw new IllegalArgumentException("No credentials provided for the default 'basic' HTTP"
            + " authenticator for realm '" + realm.id() + "'");
      }
    }
  }

  /** No authentication and no authorization: every request is served (Mesos' defaults). */
  public static HttpSecurity open() {
    return new HttpSecurity(false, false, Optional.empty(), Optional.empty());
  }

  /** Whether {@code realm} requires authentication. */
  public boolean requires(Realm realm) {
    return realm == Realm.READWRITE ? authenticateReadwrite : authenticateReadonly;
  }

  /**
   * Who sent a request to {@code realm} with {@code authorization} (the header's value, if
   * any): empty when the realm requires authentication and the header proves none (the request
   * gets 401); else the caller, whose principal is empty for a realm without authentication.
   */
  public Optional<Caller> authenticate(Realm realm, Optional<String> authorization) {
    if (!requires(realm)) {
      return Optional.of(Caller.ANONYMOUS);
    }
    return new BasicAuthenticator(credentials.orElseThrow()).authenticate(authorization)
        .map(p -> new Caller(Optional.of(p)));
  }

  /** Whether {@code caller} may do {@code action}. */
  public boolean approved(Action action, Caller caller) {
    return acls.map(a -> a.approved(action, caller.principal())).orElse(true);
  }

  /** The authenticated principal of a request, if its realm authenticates. */
  public record Caller(Optional<String> principal) {
    public static final Caller ANONYMOUS = new Caller(Optional.empty());
  }
}
