package io.corral.isolators;

/** The isolator lifecycle phases, as named in messages such as {@code 'cgroups/mem' failed to prepare}. */
public enum Phase {
  RECOVER, PREPARE, ISOLATE, WATCH, UPDATE, USAGE, STATUS, CLEANUP;

  /** The verb for messages: {@code prepare}, {@code cleanup}. */
  public String verb() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
