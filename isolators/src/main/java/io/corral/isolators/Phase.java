package io.corral.isolators;

/** The isolator lifecycle phases, as named in messages such as {@code 'cgroups/mem' failed to prepare}. */
public enum Phase {
  RECOVER, PREPARE, ISOLATE, WATCH, UPDATE, USAGE, STATUS, CLEANUP;

  /**
   * The verb for messages ({@code Failed to <verb> with isolator 'x'}): {@code prepare},
   * {@code cleanup}; {@code get usage} and {@code get status} for the two that are nouns.
   */
  public String verb() {
    return switch (this) {
      case USAGE -> "get usage";
      case STATUS -> "get status";
      default -> name().toLowerCase(java.util.Locale.ROOT);
    };
  }
}
