package io.corral.http.security;

import com.google.protobuf.Struct;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Mesos' local authorizer for the actions of {@link Action}, read from the {@code --acls}
 * JSON: {@code {"permissive": true, "launch_standalone_containers": [{"principals": {"values":
 * ["ops"]}, "users": {"type": "ANY"}}], ...}}. Each rule has two entities, both required as in
 * Mesos: {@code principals} (the subject) and the action's object ({@code users}, {@code logs},
 * {@code flags}...; given implicitly for these actions, so a request is always "ANY"), each {@code {"type": "SOME"|"ANY"|"NONE", "values": [...]}} (type
 * defaults to SOME). As in Mesos, the first rule whose entities match the request decides, and
 * {@code permissive} (default true) decides when none does; an unauthenticated request is the
 * subject "ANY". Fields of other Mesos actions are accepted and not used (the agent serves none
 * of them); an unknown field is refused. Immutable and thread-safe.
 */
public final class Acls {
  private static final Set<String> MESOS_ACTIONS = Set.of(
      "register_frameworks", "run_tasks", "teardown_frameworks", "reserve_resources",
      "unreserve_resources", "create_volumes", "destroy_volumes", "resize_volumes",
      "get_endpoints", "update_weights", "view_roles", "update_quotas", "view_frameworks",
      "view_tasks", "view_executors", "access_sandboxes",
      "attach_containers_input", "attach_containers_output",
      "launch_nested_containers", "launch_nested_container_sessions", "kill_nested_containers",
      "remove_nested_containers", "wait_nested_containers", "view_containers",
      "register_agents", "update_maintenance_schedules", "get_maintenance_schedules",
      "start_maintenances", "stop_maintenances", "get_maintenance_statuses", "drain_agents",
      "deactivate_agents", "reactivate_agents", "mark_agents_gone",
      "modify_resource_provider_configs", "mark_resource_providers_gone",
      "view_resource_providers", "create_block_disks", "destroy_block_disks",
      "create_mount_disks", "destroy_mount_disks", "destroy_raw_disks");

  private final boolean permissive;
  private final Map<Action, List<Rule>> rules;
  private final Set<String> unused;

  private Acls(boolean permissive, Map<Action, List<Rule>> rules, Set<String> unused) {
    this.permissive = permissive;
    this.rules = rules;
    this.unused = unused;
  }

  /** The fields of Mesos' other actions that the JSON had: accepted, and never consulted. */
  public Set<String> unusedFields() {
    return unused;
  }

  /**
   * Reads {@code --acls}: JSON text, or a path ({@code /path} or {@code file:///path}) to it.
   *
   * @throws IllegalArgumentException {@code Failed to parse ACLs: <cause>} naming the field
   */
  public static Acls fromFlag(String flag) {
    String text = flag.strip();
    if (!text.startsWith("{")) {
      Path path = Path.of(text.startsWith("file://") ? text.substring("file://".length()) : text);
      try {
        text = Files.readString(path, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new IllegalArgumentException("Failed to read ACLs file '" + path + "': "
            + (e instanceof java.nio.file.NoSuchFileException ? "No such file or directory"
                : e.getMessage()), e);
      }
    }
    return parse(text);
  }

  /** Parses the ACLs JSON; see the class comment. */
  public static Acls parse(String json) {
    try {
      Struct root = JsonFields.object(json);
      Map<Action, List<Rule>> rules = new EnumMap<>(Action.class);
      for (Action action : Action.values()) {
        List<Rule> list = new ArrayList<>();
        int index = 0;
        for (Struct rule : JsonFields.objects(root, action.field())) {
          String where = action.field() + "[" + index++ + "]";
          list.add(new Rule(entity(rule, "principals", where), entity(rule, action.object(), where)));
        }
        rules.put(action, List.copyOf(list));
      }
      Set<String> unused = new java.util.TreeSet<>();
      for (String field : root.getFieldsMap().keySet()) {
        if (MESOS_ACTIONS.contains(field)) {
          unused.add(field);
        } else if (!field.equals("permissive")
            && rules.keySet().stream().noneMatch(a -> a.field().equals(field))) {
          throw new IllegalArgumentException("unknown field '" + field + "'");
        }
      }
      return new Acls(JsonFields.bool(root, "permissive", true), rules,
          java.util.Collections.unmodifiableSet(unused));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Failed to parse ACLs: " + e.getMessage());
    }
  }

  /** Whether {@code principal} (empty: unauthenticated) may do {@code action}. */
  public boolean approved(Action action, Optional<String> principal) {
    Entity subject = principal.map(p -> new Entity(Type.SOME, List.of(p))).orElse(Entity.ANY);
    for (Rule rule : rules.get(action)) {
      if (subject.matches(rule.principals()) && Entity.ANY.matches(rule.object())) {
        return subject.allowedBy(rule.principals()) && Entity.ANY.allowedBy(rule.object());
      }
    }
    return permissive;
  }

  private static Entity entity(Struct rule, String field, String where) {
    Struct entity = JsonFields.object(rule, field).orElseThrow(
        () -> new IllegalArgumentException("'" + where + "." + field + "' is required"));
    String type = JsonFields.string(entity, "type").orElse("SOME");
    Type parsed;
    try {
      parsed = Type.valueOf(type);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("'" + where + "." + field + ".type' must be SOME, ANY"
          + " or NONE");
    }
    List<String> values = JsonFields.strings(entity, "values");
    return new Entity(parsed, parsed == Type.SOME ? values : List.of());
  }

  /** Mesos' {@code ACL.Entity.Type}. */
  enum Type { SOME, ANY, NONE }

  private record Rule(Entity principals, Entity object) {}

  /** One entity, of a request or of a rule, with Mesos' matching rules. */
  private record Entity(Type type, List<String> values) {
    static final Entity ANY = new Entity(Type.ANY, List.of());

    /** Mesos' {@code matches}: whether a rule with entity {@code acl} applies to this one. */
    boolean matches(Entity acl) {
      return switch (type) {
        case NONE -> acl.type == Type.NONE;
        case ANY -> acl.type == Type.ANY || acl.type == Type.NONE;
        case SOME -> acl.type != Type.SOME || acl.values.containsAll(values);
      };
    }

    /** Mesos' {@code allows}: whether the rule's entity {@code acl} allows this one. */
    boolean allowedBy(Entity acl) {
      return switch (type) {
        case NONE -> acl.type == Type.NONE;
        case ANY -> acl.type == Type.ANY;
        case SOME -> acl.type == Type.ANY || acl.type == Type.SOME && acl.values.containsAll(values);
      };
    }
  }
}
