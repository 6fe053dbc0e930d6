package io.corral.actors.metrics;

import io.corral.actors.ContainerMetrics;
import io.corral.actors.ContainerState;
import io.corral.isolators.Phase;
import io.corral.isolators.disk.XfsDiskIsolator;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Records into the meters {@link ContainerMetrics} names: one recorder per registry
 * ({@link #of}), created with its meters on first use and kept for the life of the JVM, so the
 * gauges of a registry always read the counts that are updated. Into
 * {@link ContainerMetrics#NONE}'s registry nothing readable is recorded, and isolator phases are
 * not even looked up.
 *
 * <p>Threading: any. Counts are atomic; the container actors record transitions, isolator and
 * disk-watch actors record durations from the blocking dispatcher, HTTP threads read.
 */
public final class MetricsRecorder {
  /** Histogram buckets of every timer: 1ms to 1min. */
  private static final Duration[] BUCKETS = {
      Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(50),
      Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
      Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30),
      Duration.ofMinutes(1)};

  private static final Map<MeterRegistry, MetricsRecorder> BY_REGISTRY = new IdentityHashMap<>();

  private final MeterRegistry registry;
  private final boolean unread;
  private final Map<ContainerState, AtomicLong> states = new EnumMap<>(ContainerState.class);
  private final Timer launch;
  private final Counter launchErrors;
  private final Counter destroyErrors;
  private final Timer du;

  private MetricsRecorder(MeterRegistry registry) {
    this.registry = registry;
    this.unread = registry == ContainerMetrics.NONE.registry();
    for (ContainerState state : ContainerState.values()) {
      AtomicLong count = new AtomicLong();
      states.put(state, count);
      Gauge.builder(ContainerMetrics.CONTAINERS, count, AtomicLong::get).tag("state", ContainerMetrics.tag(state))
          .strongReference(true).description("Containers listed in each state").register(registry);
    }
    launch = timer(ContainerMetrics.LAUNCH).description("Launch latency, from PROVISIONING to RUNNING")
        .register(registry);
    launchErrors = Counter.builder(ContainerMetrics.LAUNCH_ERRORS).description("Launches that failed")
        .register(registry);
    destroyErrors = Counter.builder(ContainerMetrics.DESTROY_ERRORS).description("Destroys that failed")
        .register(registry);
    du = timer(ContainerMetrics.DU).description("Run time of one du").register(registry);
  }

  /** The recorder of {@code metrics}' registry. */
  public static MetricsRecorder of(ContainerMetrics metrics) {
    return of(metrics.registry());
  }

  /** The recorder of {@code registry}, created with its meters on first use. */
  public static MetricsRecorder of(MeterRegistry registry) {
    synchronized (BY_REGISTRY) {
      return BY_REGISTRY.computeIfAbsent(registry, MetricsRecorder::new);
    }
  }

  /** How many containers are in {@code state} now. */
  public long count(ContainerState state) {
    return states.get(state).get();
  }

  /** A container moved from {@code from} (null for a new one) to {@code to}. */
  public void transitioned(ContainerState from, ContainerState to) {
    if (from != null) {
      states.get(from).decrementAndGet();
    }
    states.get(to).incrementAndGet();
  }

  /** A container in {@code state} is no longer listed. */
  public void removed(ContainerState state) {
    states.get(state).decrementAndGet();
  }

  public void launched(long nanos) {
    launch.record(nanos, TimeUnit.NANOSECONDS);
  }

  public void launchFailed() {
    launchErrors.increment();
  }

  public void destroyFailed() {
    destroyErrors.increment();
  }

  public void phase(String isolator, Phase phase, long nanos) {
    if (unread) {
      return; // nothing reads it: not even a meter lookup
    }
    timer(ContainerMetrics.ISOLATOR_PHASE).tag("isolator", isolator)
        .tag("phase", phase.name().toLowerCase(Locale.ROOT)).register(registry).record(nanos, TimeUnit.NANOSECONDS);
  }

  public void du(long nanos) {
    du.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** Publishes the total and free project ids of {@code xfs}. */
  public void projectIds(XfsDiskIsolator xfs) {
    long total = xfs.config().projectRange().size();
    Gauge.builder(ContainerMetrics.PROJECT_IDS, () -> total).tag("kind", "total").strongReference(true)
        .description("Project ids of disk/xfs").register(registry);
    Gauge.builder(ContainerMetrics.PROJECT_IDS, xfs, XfsDiskIsolator::freeProjectIds).tag("kind", "free")
        .strongReference(true).description("Project ids of disk/xfs").register(registry);
  }

  private static Timer.Builder timer(String name) {
    return Timer.builder(name).serviceLevelObjectives(BUCKETS);
  }
}
