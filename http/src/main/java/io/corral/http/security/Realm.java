package io.corral.http.security;

/**
 * The two HTTP authentication realms of the Mesos agent, by Mesos' names. {@code /api/v1} is in
 * the read-write realm (all of its calls, the GET_* ones too, as in Mesos); {@code /state},
 * {@code /containers}, {@code /monitor/statistics}, {@code /metrics} and
 * {@code /metrics/snapshot} are in the read-only realm; {@code /health} is in none.
 */
public enum Realm {
  READONLY("mesos-agent-readonly"),
  READWRITE("mesos-agent-readwrite");

  private final String id;

  Realm(String id) {
    this.id = id;
  }

  /** The realm's name, sent in {@code WWW-Authenticate: Basic realm="<name>"}. */
  public String id() {
    return id;
  }
}
