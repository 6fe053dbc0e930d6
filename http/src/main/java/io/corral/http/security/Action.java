package io.corral.http.security;

/**
 * The actions of Mesos' local authorizer that Corral's API has, each with the field of Mesos'
 * {@code ACLs} JSON that lists its rules and the field of a rule that names its object (as in
 * Mesos' {@code acls.proto}, both entities are required): the five standalone-container actions,
 * whose object is the {@code users} they run as, and pruning images, reading the agent's log,
 * setting the logging level and viewing the flags, whose object is given implicitly (a rule
 * allows it with {@code ANY} and denies it with {@code NONE}).
 */
public enum Action {
  LAUNCH_STANDALONE_CONTAINER("launch_standalone_containers", "users"),
  WAIT_STANDALONE_CONTAINER("wait_standalone_containers", "users"),
  KILL_STANDALONE_CONTAINER("kill_standalone_containers", "users"),
  REMOVE_STANDALONE_CONTAINER("remove_standalone_containers", "users"),
  VIEW_STANDALONE_CONTAINER("view_standalone_containers", "users"),
  PRUNE_IMAGES("prune_images", "images"),
  /** Reading the agent's log through the files API ({@code /slave/log}). */
  ACCESS_MESOS_LOG("access_mesos_logs", "logs"),
  /** SET_LOGGING_LEVEL and {@code /logging/toggle}. */
  SET_LOG_LEVEL("set_log_level", "level"),
  /** GET_FLAGS, {@code /flags}, and the flags in {@code /state}. */
  VIEW_FLAGS("view_flags", "flags");

  private final String field;
  private final String object;

  Action(String field, String object) {
    this.field = field;
    this.object = object;
  }

  /** The field of a rule of this action that names its object. */
  public String object() {
    return object;
  }

  /** The field of the ACLs JSON whose rules decide this action. */
  public String field() {
    return field;
  }
}
