package io.corral.http;

import io.corral.actors.Containerizer.ContainerSnapshot;
import io.corral.actors.history.UsageHistoryActor;
import io.corral.actors.history.UsageRing;
import io.corral.proto.v1.ContainerTermination;
import io.corral.proto.v1.ResourceStatistics;
import java.time.Instant;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * The JSON of {@code GET /status.json}, which the status page polls: the agent (versions, start
 * time, health), its flags, and each container with its state, start time, limits, latest usage,
 * usage history and termination. Times are epoch milliseconds; {@code now} is the agent's clock,
 * so the page computes ages against it rather than the browser's. Pure rendering; thread-safe.
 */
final class StatusJson {
  private StatusJson() {}

  static String render(AgentInfo info, boolean ready, boolean flags, Instant now,
      List<ContainerSnapshot> snapshots, UsageHistoryActor.History history) {
    JsonWriter out = new JsonWriter().beginObject();
    out.name("now").value(now.toEpochMilli());
    out.name("agent").beginObject()
        .name("corral_version").value(info.corralVersion())
        .name("mesos_version").value(info.version())
        .name("build_date").value(info.buildDate())
        .name("hostname").value(info.hostname())
        .name("id").value(info.agentId())
        .name("start_time").value(info.startTime().toEpochMilli())
        .name("health").value(ready ? "healthy" : "recovering")
        .endObject();
    if (flags) {
      out.name("flags").beginObject();
      for (AgentInfo.Flag flag : info.flags()) {
        out.name(flag.name()).value(flag.value());
      }
      out.endObject();
    }
    out.name("sample_interval_ms").value(history.interval().toMillis());
    out.name("containers").beginArray();
    for (ContainerSnapshot snapshot : snapshots) {
      container(out, snapshot, history.containers().get(snapshot.id().getValue()));
    }
    return out.endArray().endObject().toString();
  }

  private static void container(
      JsonWriter out, ContainerSnapshot snapshot, UsageHistoryActor.ContainerHistory history) {
    out.beginObject();
    out.name("id").value(snapshot.id().getValue());
    out.name("state").value(snapshot.state().name());
    out.name("started");
    if (history != null && history.started().isPresent()) {
      out.value(history.started().get().toEpochMilli());
    } else {
      out.nullValue();
    }
    limits(out, snapshot.statistics(), history == null ? null : history.latest().orElse(null));
    List<UsageRing.Point> points = history == null ? List.of() : history.points();
    out.name("history").beginObject();
    series(out, "at", points, p -> p.atMillis());
    out.name("cpus").beginArray();
    points.forEach(p -> out.value(p.cpus()));
    out.endArray();
    series(out, "mem_bytes", points, UsageRing.Point::memoryBytes);
    series(out, "disk_bytes", points, UsageRing.Point::diskBytes);
    out.endObject();
    if (snapshot.termination() != null && snapshot.termination().isPresent()) {
      termination(out, snapshot.termination().get());
    }
    out.endObject();
  }

  /**
   * The limits of the snapshot, else of the latest usage: CPUs (the hard limit, else the
   * request), memory and disk bytes.
   */
  private static void limits(JsonWriter out, ResourceStatistics snapshot, ResourceStatistics usage) {
    ResourceStatistics none = ResourceStatistics.getDefaultInstance();
    ResourceStatistics s = snapshot == null ? none : snapshot;
    ResourceStatistics u = usage == null ? none : usage;
    out.name("limits").beginObject();
    if (s.hasCpusLimit() || u.hasCpusLimit()) {
      out.name("cpus").value(s.hasCpusLimit() ? s.getCpusLimit() : u.getCpusLimit());
    } else if (s.hasCpusSoftLimit() || u.hasCpusSoftLimit()) {
      out.name("cpus").value(s.hasCpusSoftLimit() ? s.getCpusSoftLimit() : u.getCpusSoftLimit());
    }
    if (s.hasMemLimitBytes() || u.hasMemLimitBytes()) {
      out.name("mem_bytes").value(s.hasMemLimitBytes() ? s.getMemLimitBytes() : u.getMemLimitBytes());
    }
    if (s.hasDiskLimitBytes() || u.hasDiskLimitBytes()) {
      out.name("disk_bytes").value(s.hasDiskLimitBytes() ? s.getDiskLimitBytes() : u.getDiskLimitBytes());
    }
    out.endObject();
  }

  private static void series(JsonWriter out, String name, List<UsageRing.Point> points,
      ToLongFunction<UsageRing.Point> value) {
    out.name(name).beginArray();
    points.forEach(p -> out.value(value.applyAsLong(p)));
    out.endArray();
  }

  private static void termination(JsonWriter out, ContainerTermination t) {
    out.name("termination").beginObject();
    if (t.hasState()) {
      out.name("state").value(t.getState().name());
    }
    if (t.hasReason()) {
      out.name("reason").value(t.getReason().name());
    }
    if (t.hasMessage()) {
      out.name("message").value(t.getMessage());
    }
    if (t.hasStatus()) {
      out.name("status").value(t.getStatus());
    }
    out.endObject();
  }
}
