package io.corral.http;

import io.corral.actors.ContainerMetrics;
import io.corral.actors.ContainerState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;

/**
 * {@code GET /metrics} (the registry in Prometheus text format 0.0.4) and
 * {@code GET /metrics/snapshot} (Mesos' flat JSON object of numbers) over the registry the
 * containerizer records into ({@link ContainerMetrics}). The snapshot has Mesos' keys
 * {@code slave/container_launch_errors} and {@code containerizer/mesos/container_destroy_errors},
 * {@code containerizer/mesos/disk/project_ids_total} and {@code ..._free} when {@code disk/xfs}
 * publishes them, and {@code containerizer/corral/containers_<state>} for every state.
 *
 * <p>Threading: any; both read the registry, whose meters are thread-safe.
 */
final class MetricsViews {
  /** The Prometheus text exposition format. */
  static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
  private static final ContentType PROMETHEUS = ContentTypes.parse(PROMETHEUS_TEXT);

  private final PrometheusMeterRegistry registry;

  MetricsViews(PrometheusMeterRegistry registry) {
    this.registry = registry;
  }

  HttpResponse prometheus() {
    return HttpResponse.create().withEntity(HttpEntities.create(PROMETHEUS,
        registry.scrape(PROMETHEUS_TEXT).getBytes(StandardCharsets.UTF_8)));
  }

  /** The snapshot, its keys sorted as Mesos writes them. */
  HttpResponse snapshot() {
    JsonWriter out = new JsonWriter().beginObject();
    values().forEach((key, value) -> out.name(key).value(value.doubleValue()));
    return HttpResponse.create().withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON,
        out.endObject().toString()));
  }

  /** The snapshot's values by name, sorted (GET_METRICS lists the same). */
  Map<String, Double> values() {
    Map<String, Double> values = new TreeMap<>();
    values.put("containerizer/mesos/container_destroy_errors", count(ContainerMetrics.DESTROY_ERRORS));
    values.put("slave/container_launch_errors", count(ContainerMetrics.LAUNCH_ERRORS));
    Gauge total = registry.find(ContainerMetrics.PROJECT_IDS).tag("kind", "total").gauge();
    Gauge free = registry.find(ContainerMetrics.PROJECT_IDS).tag("kind", "free").gauge();
    if (total != null && free != null) {
      values.put("containerizer/mesos/disk/project_ids_free", free.value());
      values.put("containerizer/mesos/disk/project_ids_total", total.value());
    }
    for (ContainerState state : ContainerState.values()) {
      Gauge gauge = registry.find(ContainerMetrics.CONTAINERS).tag("state", ContainerMetrics.tag(state)).gauge();
      values.put("containerizer/corral/containers_" + ContainerMetrics.tag(state), gauge == null ? 0.0 : gauge.value());
    }
    return values;
  }

  private double count(String counter) {
    Counter found = registry.find(counter).counter();
    return found == null ? 0.0 : found.count();
  }
}
