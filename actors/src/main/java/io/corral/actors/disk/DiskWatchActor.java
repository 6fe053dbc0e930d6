package io.corral.actors.disk;

import io.corral.actors.ContainerMetrics;
import io.corral.actors.ContainerizerSettings;
import io.corral.actors.Failures;
import io.corral.actors.container.ContainerizerActor;
import io.corral.actors.container.IsolatorActor;
import io.corral.actors.metrics.MetricsRecorder;
import io.corral.isolators.disk.DuDiskIsolator;
import io.corral.isolators.disk.XfsDiskIsolator;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The one agent-wide scheduler of disk checks: {@code du} runs for {@code disk/du} (Mesos'
 * {@code DiskUsageCollector}, without its single global queue): spawned by the
 * {@link ContainerizerActor} when {@code disk/du} is enabled, it hears from the
 * {@link DuDiskIsolator} which containers to measure, measures each at once and then every
 * {@code --container_disk_watch_interval} (sooner near its quota, see {@link DiskWatchPolicy}),
 * with at most {@code --container_disk_watch_parallelism} runs at a time (others wait in FIFO
 * order), and hands every run to the isolator ({@link DuDiskIsolator#sample}), which keeps the
 * result and reports a limitation to the container's watch.
 *
 * <p>Destroy never waits for it: the isolator's cleanup kills a container's running {@code du}
 * and untracks it, which cancels its timer here. When this actor stops, every running
 * {@code du} is killed.
 *
 * <p>With {@code disk/xfs} and {@code --xfs_kill_containers} it also runs the
 * {@link XfsDiskIsolator#checkLimits} check every {@code --container_disk_watch_interval} (one
 * at a time: the next is timed from the end of the last), as Mesos' XFS isolator does; the check
 * stops with this actor, that is with the containerizer.
 *
 * <p>Recovered containers: {@link DuDiskIsolator#listen} replays every container tracked before
 * this actor existed (those {@code recover} re-tracked), and a replayed container that was
 * untracked meanwhile is dropped on arrival, so the order of spawn and recovery does not matter.
 *
 * <p>Threading: runs on {@code corral.actor-dispatcher} and never blocks; each run goes to the blocking
 * dispatcher and comes back with {@code pipeToSelf}.
 */
public final class DiskWatchActor extends AbstractBehavior<DiskWatchActor.Command> {

  /** A message to the disk watcher. */
  interface Command {}

  /** The isolator began tracking a container. */
  record Tracked(String container) implements Command {}

  /** The isolator stopped tracking a container (cleanup, or its disk resource went away). */
  record Untracked(String container) implements Command {}

  /**
   * Sent to the observer (tests, metrics) each time a container's next run is scheduled; for the
   * {@code disk/xfs} check, {@code container} is {@link #XFS_CHECK} and {@code sample} null.
   */
  record Scheduled(String container, Duration delay, DuDiskIsolator.Sample sample) {}

  /** The {@link Scheduled#container} of the {@code disk/xfs} kill check. */
  static final String XFS_CHECK = "disk/xfs";

  private record Due(String container) implements Command {}

  /** Time for the next {@code disk/xfs} kill check. */
  private enum XfsTick implements Command { INSTANCE }

  private record XfsChecked(Throwable error) implements Command {}

  private record Sampled(String container, Watched watched, DuDiskIsolator.Sample sample, Throwable error)
      implements Command {}

  /** What the watcher knows of one tracked container. */
  private static final class Watched {
    long lastUsed = -1;
    Duration lastDelay = Duration.ZERO;
    boolean running;
    boolean queued;
  }

  private final DuDiskIsolator isolator;
  private final XfsDiskIsolator xfs;
  private final TimerScheduler<Command> timers;
  private final ActorRef<Scheduled> observer;
  private final Executor blocking;
  private final MetricsRecorder metrics;
  private final Map<String, Watched> watched = new HashMap<>();
  private final Deque<String> ready = new ArrayDeque<>();
  private int running;

  static Behavior<Command> create(DuDiskIsolator isolator) {
    return create(isolator, null, null);
  }

  /** A watcher that also tells {@code observer} (may be null) about every schedule. */
  static Behavior<Command> create(DuDiskIsolator isolator, ActorRef<Scheduled> observer) {
    return create(isolator, null, observer);
  }

  /**
   * A watcher of {@code du} (null without {@code disk/du}) that also drives the kill check of
   * {@code xfs} (null without {@code disk/xfs}; only with {@code --xfs_kill_containers}).
   */
  static Behavior<Command> create(DuDiskIsolator du, XfsDiskIsolator xfs, ActorRef<Scheduled> observer) {
    return create(du, xfs, observer, ContainerMetrics.NONE);
  }

  /** A watcher that records the run time of every {@code du} into {@code metrics}. */
  static Behavior<Command> create(DuDiskIsolator du, XfsDiskIsolator xfs, ActorRef<Scheduled> observer,
      ContainerMetrics metrics) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers ->
        new DiskWatchActor(context, timers, du, xfs, observer, metrics)));
  }

  /** Whether an agent with these isolators needs a watcher at all. */
  static boolean needed(DuDiskIsolator du, XfsDiskIsolator xfs) {
    return du != null || (xfs != null && xfs.config().killContainers());
  }

  /** Spawns the agent-wide watcher below {@code context} when the settings' isolators need one. */
  public static void spawnIfNeeded(ActorContext<?> context, ContainerizerSettings settings) {
    DuDiskIsolator du = find(settings, DuDiskIsolator.class);
    XfsDiskIsolator xfs = find(settings, XfsDiskIsolator.class);
    if (needed(du, xfs)) {
      context.spawn(create(du, xfs, null, settings.metrics()), "disk-watch", ContainerizerActor.CHILD);
    }
    if (xfs != null) {
      MetricsRecorder.of(settings.metrics()).projectIds(xfs);
    }
  }

  private static <T> T find(ContainerizerSettings settings, Class<T> type) {
    return settings.isolators().stream().filter(type::isInstance).map(type::cast).findFirst().orElse(null);
  }

  private DiskWatchActor(ActorContext<Command> context, TimerScheduler<Command> timers,
      DuDiskIsolator isolator, XfsDiskIsolator xfs, ActorRef<Scheduled> observer, ContainerMetrics metrics) {
    super(context);
    this.metrics = MetricsRecorder.of(metrics);
    this.isolator = isolator;
    this.xfs = xfs != null && xfs.config().killContainers() ? xfs : null;
    this.timers = timers;
    this.observer = observer;
    this.blocking = context.getSystem().dispatchers()
        .lookup(DispatcherSelector.fromConfig(IsolatorActor.BLOCKING_DISPATCHER));
    if (this.xfs != null) {
      scheduleXfsCheck();
      context.getLog().info("Checking XFS disk quotas every {}", this.xfs.config().watchInterval());
    }
    if (isolator == null) {
      return;
    }
    ActorRef<Command> self = context.getSelf();
    isolator.listen(new DuDiskIsolator.Listener() {
      public void tracked(String container) {
        self.tell(new Tracked(container));
      }

      public void untracked(String container) {
        self.tell(new Untracked(container));
      }
    });
    context.getLog().info("Watching disk usage every {} with at most {} du at a time",
        isolator.config().interval(), isolator.config().parallelism());
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Tracked.class, this::onTracked)
        .onMessage(Untracked.class, this::onUntracked)
        .onMessage(Due.class, this::onDue)
        .onMessage(Sampled.class, this::onSampled)
        .onMessageEquals(XfsTick.INSTANCE, this::onXfsTick)
        .onMessage(XfsChecked.class, this::onXfsChecked)
        .onSignal(PostStop.class, s -> onPostStop())
        .build();
  }

  private Behavior<Command> onTracked(Tracked tracked) {
    // A replayed Tracked can arrive after the Untracked of a container gone meanwhile.
    if (isolator.tracks(tracked.container()) && watched.putIfAbsent(tracked.container(), new Watched()) == null) {
      enqueue(tracked.container());
    }
    return this;
  }

  private Behavior<Command> onUntracked(Untracked untracked) {
    if (watched.remove(untracked.container()) != null) {
      timers.cancel(untracked.container());
      ready.remove(untracked.container());
    }
    return this;
  }

  private Behavior<Command> onDue(Due due) {
    enqueue(due.container());
    return this;
  }

  private void enqueue(String container) {
    Watched w = watched.get(container);
    if (w != null && !w.running && !w.queued) {
      w.queued = true;
      ready.add(container);
    }
    drain();
  }

  /** Starts queued runs while fewer than the parallelism are running. */
  private void drain() {
    while (running < isolator.config().parallelism() && !ready.isEmpty()) {
      String container = ready.poll();
      Watched w = watched.get(container);
      w.queued = false;
      w.running = true;
      running++;
      getContext().pipeToSelf(CompletableFuture.supplyAsync(() -> timedSample(container), blocking),
          (sample, error) -> new Sampled(container, w, sample, error));
    }
  }

  /** One {@code du} run, on the blocking dispatcher, timed. */
  private DuDiskIsolator.Sample timedSample(String container) {
    long start = System.nanoTime();
    try {
      return isolator.sample(container);
    } finally {
      metrics.du(System.nanoTime() - start);
    }
  }

  private Behavior<Command> onSampled(Sampled sampled) {
    running--;
    // A run of a container untracked meanwhile (and maybe tracked again since) counts for nothing.
    Watched w = watched.get(sampled.container()) == sampled.watched() ? sampled.watched() : null;
    if (sampled.error() != null) {
      getContext().getLog().error("Failed to sample the disk usage of container '{}': {}",
          sampled.container(), Failures.describe(sampled.error()));
    }
    if (w != null) {
      w.running = false;
      DuDiskIsolator.Sample sample = sampled.sample();
      long used = sample == null ? -1 : sample.usedBytes().orElse(-1);
      long limit = sample == null ? 0 : sample.limitBytes();
      Duration delay = DiskWatchPolicy.nextDelay(isolator.config().interval(), used, w.lastUsed,
          w.lastDelay, limit);
      if (used >= 0) {
        w.lastUsed = used;
      }
      w.lastDelay = delay;
      timers.startSingleTimer(sampled.container(), new Due(sampled.container()), delay);
      if (observer != null) {
        observer.tell(new Scheduled(sampled.container(), delay, sample));
      }
    }
    drain();
    return this;
  }

  private Behavior<Command> onXfsTick() {
    getContext().pipeToSelf(CompletableFuture.runAsync(xfs::checkLimits, blocking),
        (ok, error) -> new XfsChecked(error));
    return this;
  }

  private Behavior<Command> onXfsChecked(XfsChecked checked) {
    if (checked.error() != null) {
      getContext().getLog().error("Failed to check the XFS disk quotas: {}",
          Failures.describe(checked.error()));
    }
    scheduleXfsCheck();
    return this;
  }

  private void scheduleXfsCheck() {
    timers.startSingleTimer(XfsTick.INSTANCE, XfsTick.INSTANCE, xfs.config().watchInterval());
    if (observer != null) {
      observer.tell(new Scheduled(XFS_CHECK, xfs.config().watchInterval(), null));
    }
  }

  private Behavior<Command> onPostStop() {
    if (running > 0 && isolator != null) {
      CompletableFuture.runAsync(isolator::killRuns, blocking);
    }
    return this;
  }
}
