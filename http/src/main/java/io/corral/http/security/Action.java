package io.corral.http.security;

/**
 * The actions of Mesos' local authorizer that Corral's API has, each with the field of Mesos'
 * {@code ACLs} JSON that lists its rules: the five standalone-container actions, whose rules
 * name principals and users, and pruning images, reading the agent's log and setting the
 * logging level, whose rules name principals only.
 */
public enum Action {
  LAUNCH_STANDALONE_CONTAINER("launch_standalone_containers"),
  WAIT_STANDALONE_CONTAINER("wait_standalone_containers"),
  KILL_STANDALONE_CONTAINER("kill_standalone_containers"),
  REMOVE_STANDALONE_CONTAINER("remove_standalone_containers"),
  VIEW_STANDALONE_CONTAINER("view_standalone_containers"),
  PRUNE_IMAGES("prune_images", false),
  /** Reading the agent's log through the files API ({@code /slave/log}). */
  ACCESS_MESOS_LOG("access_mesos_logs", false),
  /** SET_LOGGING_LEVEL and {@code /logging/toggle}. */
  SET_LOG_LEVEL("set_log_level", false);

  private final String field;
  private final boolean users;

  Action(String field) {
    this(field, true);
  }

  Action(String field, boolean users) {
    this.field = field;
    this.users = users;
  }

  /** Whether a rule of this action names the users it may act as (else they are implicit). */
  public boolean hasUsers() {
    return users;
  }

  /** The field of the ACLs JSON whose rules decide this action. */
  public String field() {
    return field;
  }
}
