package io.corral.actors;

import io.corral.isolators.Phase;
import io.corral.isolators.disk.XfsDiskIsolator;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the containerizer records into a Micrometer {@link MeterRegistry}: containers by state,
 * launch latency, launch and destroy errors, isolator phase durations, {@code du} run time and,
 * with {@code disk/xfs}, the project ids. One instance per registry ({@link #of}), so that the
 * gauges of a registry always read the counts that are updated. The default, {@link #NONE},
 * records into a registry without children, where every meter is a no-op.
 *
 * <p>Threading: any. Counts are atomic; the container actors record transitions, isolator and
 * disk-watch actors record durations from the blocking dispatcher, HTTP threads read.
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

  /** Histogram buckets of every timer: 1ms to 1min. */
  private static final Duration[] BUCKETS = {
      Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(50),
      Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
      Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30),
      Duration.ofMinutes(1)};

  private static final Map<MeterRegistry, ContainerMetrics> BY_REGISTRY = new IdentityHashMap<>();

  /** Records nothing anyone can read. */
  public static final ContainerMetrics NONE = new ContainerMetrics(new CompositeMeterRegistry());

  private final MeterRegistry registry;
  private final Map<ContainerState, AtomicLong> states = new EnumMap<>(ContainerState.class);
  private final Timer launch;
  private final Counter launchErrors;
  private final Counter destroyErrors;
  private final Timer du;

  private ContainerMetrics(MeterRegistry registry) {
    this.registry = registry;
    for (ContainerState state : ContainerState.values()) {
      AtomicLong count = new AtomicLong();
      states.put(state, count);
      Gauge.builder(CONTAINERS, count, AtomicLong::get).tag("state", tag(state)).strongReference(true)
          .description("Containers listed in each state").register(registry);
    }
    launch = timer(LAUNCH).description("Launch latency, from PROVISIONING to RUNNING").register(registry);
    launchErrors = Counter.builder(LAUNCH_ERRORS).description("Launches that failed").register(registry);
    destroyErrors = Counter.builder(DESTROY_ERRORS).description("Destroys that failed").register(registry);
    du = timer(DU).description("Run time of one du").register(registry);
  }

  /**
   * The metrics of {@code registry}, created with its meters on first use. Its gauges read these
   * counts for as long as the registry lives, so the pair is kept for the life of the JVM: meant
   * for one registry per agent (or per test), not one per request.
   */
  public static ContainerMetrics of(MeterRegistry registry) {
    synchronized (BY_REGISTRY) {
      return BY_REGISTRY.computeIfAbsent(registry, ContainerMetrics::new);
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
    if (this == NONE) {
      return; // nothing reads it: not even a meter lookup
    }
    timer(ISOLATOR_PHASE).tag("isolator", isolator).tag("phase", phase.name().toLowerCase(Locale.ROOT))
        .register(registry).record(nanos, TimeUnit.NANOSECONDS);
  }

  public void du(long nanos) {
    du.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** Publishes the total and free project ids of {@code xfs}. */
  public void projectIds(XfsDiskIsolator xfs) {
    long total = xfs.config().projectRange().size();
    Gauge.builder(PROJECT_IDS, () -> total).tag("kind", "total").strongReference(true)
        .description("Project ids of disk/xfs").register(registry);
    Gauge.builder(PROJECT_IDS, xfs, XfsDiskIsolator::freeProjectIds).tag("kind", "free").strongReference(true)
        .description("Project ids of disk/xfs").register(registry);
  }

  private static Timer.Builder timer(String name) {
    return Timer.builder(name).serviceLevelObjectives(BUCKETS);
  }
}
