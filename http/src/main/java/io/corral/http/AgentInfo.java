package io.corral.http;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What the agent says about itself in GET_VERSION, GET_FLAGS and {@code /state}. Built once by
 * {@code ops} at startup; immutable.
 *
 * <p>{@code version} is the Mesos version whose agent API Corral speaks, {@link #MESOS_VERSION}
 * ({@code "1.11.0"}): clients such as Mesos' own libraries gate features on
 * {@code version_info.version}, so it must look like a Mesos version. Corral's own version goes in
 * {@code corralVersion}, which {@code /state} shows as {@code corral_version} and GET_VERSION as
 * {@code version_info.git_tag}.
 *
 * @param version the Mesos-compatible version, normally {@link #MESOS_VERSION}
 * @param corralVersion Corral's own version, e.g. {@code 0.1.0-SNAPSHOT}
 * @param buildDate the build date as Mesos prints it, e.g. {@code 2026-11-25 19:30:50}
 * @param buildTime the build time
 * @param buildUser who built it
 * @param startTime when the agent started
 * @param pid the agent's libprocess-style address, {@code slave(1)@<ip>:<port>}
 * @param hostname the agent's host name
 * @param agentId the agent id ({@code /state} {@code id})
 * @param flags every flag with its value in stout's string form ({@code "true"}, {@code
 *     "15secs"}, {@code "posix/cpu,posix/mem"}), in the order GET_FLAGS lists them
 */
public record AgentInfo(
    String version,
    String corralVersion,
    String buildDate,
    Instant buildTime,
    String buildUser,
    Instant startTime,
    String pid,
    String hostname,
    String agentId,
    List<Flag> flags) {

  /** The Mesos release whose agent API (container calls) Corral implements. */
  public static final String MESOS_VERSION = "1.11.0";

  public AgentInfo {
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(corralVersion, "corralVersion");
    Objects.requireNonNull(buildDate, "buildDate");
    Objects.requireNonNull(buildTime, "buildTime");
    Objects.requireNonNull(buildUser, "buildUser");
    Objects.requireNonNull(startTime, "startTime");
    Objects.requireNonNull(pid, "pid");
    Objects.requireNonNull(hostname, "hostname");
    Objects.requireNonNull(agentId, "agentId");
    flags = List.copyOf(flags);
  }

  /** One flag, {@code name} without the leading dashes, {@code value} in stout's form. */
  public record Flag(String name, String value) {
    public Flag {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
    }
  }

  /** Seconds since the epoch, as Mesos reports times. */
  static double seconds(Instant instant) {
    return instant.getEpochSecond() + instant.getNano() / 1e9;
  }
}
