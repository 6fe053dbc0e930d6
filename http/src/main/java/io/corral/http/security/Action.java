package io.corral.http.security;

/**
 * The five standalone-container actions of Mesos' local authorizer, each with the field of
 * Mesos' {@code ACLs} JSON that lists its rules.
 */
public enum Action {
  LAUNCH_STANDALONE_CONTAINER("launch_standalone_containers"),
  WAIT_STANDALONE_CONTAINER("wait_standalone_containers"),
  KILL_STANDALONE_CONTAINER("kill_standalone_containers"),
  REMOVE_STANDALONE_CONTAINER("remove_standalone_containers"),
  VIEW_STANDALONE_CONTAINER("view_standalone_containers");

  private final String field;

  Action(String field) {
    this.field = field;
  }

  /** The field of the ACLs JSON whose rules decide this action. */
  public String field() {
    return field;
  }
}
