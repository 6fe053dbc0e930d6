package io.corral.actors;

import io.corral.actors.metrics.MetricsRecorder;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The meters the containerizer records into a Micrometer {@link MeterRegistry}: containers by
 * state, launch latency, launch and destroy errors, isolator phase durations, {@code du} run
 * time and, with {@code disk/xfs}, the project ids. An embedding chooses the registry
 * ({@link #of}) and reads the meters by these names; only the containerizer records into them.
 * The default, {@link #NONE}, records into a registry without children, where every meter is a
 * no-op.
 *
 * <p>Threading: any.
 */
public final class ContainerMetrics {
  /** Gauge {@code corral.containers}, tag {@code state}: how many listed containers are in it. */
  public static final String CONTAINERS = "corral.containers";
  /** Timer (with histogram) {@code corral.container.launch}: PROVISIONING to RUNNING. */
  public static final String LAUNCH = "corral.container.launch";
  /** Counter: launches that ended in REASON_CONTAINER_LAUNCH_FAILED. */
  public static final String LAUNCH_ERRORS = "corral.container.launch.errors";
  /** Counter: isolator cleanups that finally failed, and launcher destroys that left processes. */
  public static final String DESTROY_ERRORS = "corral.container.destroy.errors";
  /** Timer, tags {@code isolator} and {@code phase}: one isolator call on the blocking dispatcher. */
  public static final String ISOLATOR_PHASE = "corral.isolator.phase";
  /** Timer: one {@code du} run of {@code disk/du}. */
  public static final String DU = "corral.disk.du";
  /** Gauge, tag {@code kind} ({@code total}, {@code free}): {@code disk/xfs} project ids. */
  public static final String PROJECT_IDS = "corral.disk.project_ids";

  private static final Map<MeterRegistry, ContainerMetrics> BY_REGISTRY = new IdentityHashMap<>();

  /** Records nothing anyone can read. */
  public static final ContainerMetrics NONE = new ContainerMetrics(new CompositeMeterRegistry());

  private final MeterRegistry registry;

  private ContainerMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /**
   * The metrics of {@code registry}, its meters registered at once. Its gauges read counts kept
   * for as long as the registry lives, so the pair is kept for the life of the JVM: meant for one
   * registry per agent (or per test), not one per request.
   */
  public static ContainerMetrics of(MeterRegistry registry) {
    synchronized (BY_REGISTRY) {
      ContainerMetrics metrics = BY_REGISTRY.computeIfAbsent(registry, ContainerMetrics::new);
      MetricsRecorder.of(registry);
      return metrics;
    }
  }

  /** The registry recorded into. */
  public MeterRegistry registry() {
    return registry;
  }

  /** The tag value of {@code state}: its name in lower case. */
  public static String tag(ContainerState state) {
    return state.name().toLowerCase(Locale.ROOT);
  }

  /** How many containers are in {@code state} now. */
  public long count(ContainerState state) {
    return MetricsRecorder.of(registry).count(state);
  }
}
