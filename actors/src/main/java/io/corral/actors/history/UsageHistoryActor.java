package io.corral.actors.history;

import io.corral.actors.ContainerState;
import io.corral.actors.Containerizer;
import io.corral.actors.Containerizer.ContainerSnapshot;
import io.corral.actors.container.IsolatorActor;
import io.corral.proto.v1.ResourceStatistics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The recent usage of every container, for the status page's sparklines. It samples only while
 * someone looks: the first {@link Get} starts a timer that samples every {@code interval} (one
 * GET_CONTAINERS and one USAGE per container not yet terminated, the same work as one
 * {@code /monitor/statistics}); once no {@link Get} has come for {@code idleAfter} the timer
 * stops and every history is dropped, so an agent nobody watches pays nothing.
 *
 * <p>Each container keeps a {@link UsageRing} of {@code capacity} samples, dropped as soon as
 * the containerizer no longer lists the container (it was removed); a terminated container keeps
 * its history until then. A container's start time is its init's ({@link StartTimes}, looked up
 * once per init pid on {@code corral.blocking-dispatcher}), so it survives the agent's recovery.
 *
 * <p>Threading: the actor's dispatcher; at most one sample is in flight, and a tick that finds
 * one still running is skipped, so a slow containerizer never piles up asks. Stops with its
 * parent; holds nothing on disk, so there is nothing to recover or clean up.
 */
public final class UsageHistoryActor extends AbstractBehavior<UsageHistoryActor.Command> {
  /** A message to the history. */
  public interface Command {}

  /** Asks for every container's history; also keeps (or starts) the sampling. */
  public record Get(ActorRef<History> replyTo) implements Command {}

  /** Every container's history, by container id, and the sampling interval. */
  public record History(Map<String, ContainerHistory> containers, Duration interval) {}

  /**
   * When a container's init started (if known), its samples, oldest first, and the latest usage
   * it reported (with the limits its isolators know, such as the disk quota).
   */
  public record ContainerHistory(Optional<Instant> started, List<UsageRing.Point> points,
      Optional<ResourceStatistics> latest) {}

  /**
   * @param interval time between samples
   * @param capacity samples kept per container
   * @param idleAfter sampling stops when no {@link Get} came for this long
   * @param askTimeout how long one ask of the containerizer may take
   */
  public record Settings(Duration interval, int capacity, Duration idleAfter, Duration askTimeout) {
    /** Every 5 s, the last 10 minutes, while someone looked in the last 10 minutes. */
    public static Settings defaults() {
      return new Settings(Duration.ofSeconds(5), 120, Duration.ofMinutes(10), Duration.ofSeconds(10));
    }
  }

  /** When process {@code pid} started; may block, runs on the blocking dispatcher. */
  public interface StartTimes {
    Optional<Instant> of(int pid);

    /** The JDK's reading of {@code /proc/<pid>/stat} and the boot time. */
    static StartTimes processHandles() {
      return pid -> ProcessHandle.of(pid).flatMap(h -> h.info().startInstant());
    }
  }

  private enum Tick implements Command { INSTANCE }

  private record Sampled(List<Observation> observations, Throwable failure) implements Command {}

  /** One container in one sample: its init pid (0 if none), start time and usage if running. */
  private record Observation(String id, int pid, Optional<Instant> started,
      Optional<ResourceStatistics> statistics) {}

  private record Started(int pid, Optional<Instant> at) {}

  private final ActorRef<Containerizer.Command> containerizer;
  private final Settings settings;
  private final StartTimes startTimes;
  private final TimerScheduler<Command> timers;
  private final Executor blocking;
  private final Map<String, UsageRing> rings = new LinkedHashMap<>();
  private final Map<String, Started> started = new HashMap<>();
  private final Map<String, ResourceStatistics> latest = new HashMap<>();
  private boolean sampling;
  private boolean inFlight;
  private long idleTicks;

  private UsageHistoryActor(ActorContext<Command> context, TimerScheduler<Command> timers,
      ActorRef<Containerizer.Command> containerizer, Settings settings, StartTimes startTimes) {
    super(context);
    this.timers = timers;
    this.containerizer = containerizer;
    this.settings = settings;
    this.startTimes = startTimes;
    this.blocking = context.getSystem().dispatchers()
        .lookup(DispatcherSelector.fromConfig(IsolatorActor.BLOCKING_DISPATCHER));
  }

  public static Behavior<Command> create(
      ActorRef<Containerizer.Command> containerizer, Settings settings, StartTimes startTimes) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers ->
        new UsageHistoryActor(context, timers, containerizer, settings, startTimes)));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Get.class, this::onGet)
        .onMessageEquals(Tick.INSTANCE, this::onTick)
        .onMessage(Sampled.class, this::onSampled)
        .build();
  }

  private Behavior<Command> onGet(Get get) {
    Map<String, ContainerHistory> histories = new LinkedHashMap<>();
    started.forEach((id, s) -> histories.put(id, new ContainerHistory(s.at(), List.of(), Optional.empty())));
    rings.forEach((id, ring) -> histories.put(id, new ContainerHistory(
        Optional.ofNullable(started.get(id)).flatMap(Started::at), ring.points(),
        Optional.ofNullable(latest.get(id)))));
    get.replyTo().tell(new History(histories, settings.interval()));
    idleTicks = 0;
    if (!sampling) {
      getContext().getLog().debug("Sampling container usage every {}", settings.interval());
      sampling = true;
      timers.startTimerWithFixedDelay(Tick.INSTANCE, settings.interval());
      sample();
    }
    return this;
  }

  private Behavior<Command> onTick() {
    idleTicks++;
    if (settings.interval().multipliedBy(idleTicks).compareTo(settings.idleAfter()) >= 0) {
      getContext().getLog().debug("Nobody looked for {}: sampling stops", settings.idleAfter());
      timers.cancel(Tick.INSTANCE);
      sampling = false;
      rings.clear();
      started.clear();
      latest.clear();
    } else if (!inFlight) {
      sample();
    }
    return this;
  }

  private Behavior<Command> onSampled(Sampled sampled) {
    inFlight = false;
    if (sampled.failure() != null) {
      getContext().getLog().debug("Failed to sample container usage: {}", sampled.failure().toString());
      return this;
    }
    if (!sampling) {
      return this;
    }
    List<String> ids = sampled.observations().stream().map(Observation::id).toList();
    rings.keySet().retainAll(ids);
    started.keySet().retainAll(ids);
    latest.keySet().retainAll(ids);
    for (Observation o : sampled.observations()) {
      if (o.pid() > 0) {
        started.put(o.id(), new Started(o.pid(), o.started()));
      }
      o.statistics().ifPresent(stats -> {
        rings.computeIfAbsent(o.id(), id -> new UsageRing(settings.capacity())).add(sample(stats));
        latest.put(o.id(), stats);
      });
    }
    return this;
  }

  private void sample() {
    inFlight = true;
    Map<String, Started> known = Map.copyOf(started);
    CompletionStage<Containerizer.Containers> containers = AskPattern.ask(containerizer,
        Containerizer.GetContainers::new, settings.askTimeout(), getContext().getSystem().scheduler());
    CompletionStage<List<Observation>> observations = containers.thenCompose(c -> {
      List<CompletableFuture<Observation>> each = new ArrayList<>();
      for (ContainerSnapshot snapshot : c.containers()) {
        each.add(observe(snapshot, known));
      }
      return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
          .thenApply(done -> each.stream().map(CompletableFuture::join).toList());
    });
    getContext().pipeToSelf(observations, Sampled::new);
  }

  private CompletableFuture<Observation> observe(ContainerSnapshot snapshot, Map<String, Started> known) {
    String id = snapshot.id().getValue();
    int pid = snapshot.status() != null && snapshot.status().hasExecutorPid()
        ? snapshot.status().getExecutorPid() : 0;
    CompletableFuture<Optional<ResourceStatistics>> usage = snapshot.state() == ContainerState.TERMINATED
        ? CompletableFuture.completedFuture(Optional.empty())
        : usage(snapshot);
    Started cached = known.get(id);
    if (cached != null && (cached.pid() == pid || pid == 0)) {
      return usage.thenApply(stats -> new Observation(id, cached.pid(), cached.at(), stats));
    }
    CompletableFuture<Optional<Instant>> start = pid > 0 && snapshot.state() != ContainerState.TERMINATED
        ? CompletableFuture.supplyAsync(() -> startTimes.of(pid), blocking).exceptionally(f -> Optional.empty())
        : CompletableFuture.completedFuture(Optional.empty());
    return start.thenCombine(usage, (at, stats) -> new Observation(id, pid, at, stats));
  }

  private CompletableFuture<Optional<ResourceStatistics>> usage(ContainerSnapshot snapshot) {
    CompletionStage<Containerizer.UsageReply> reply = AskPattern.ask(containerizer,
        replyTo -> new Containerizer.Usage(snapshot.id(), replyTo), settings.askTimeout(),
        getContext().getSystem().scheduler());
    return reply.toCompletableFuture()
        .thenApply(r -> r instanceof Containerizer.Statistics s
            ? Optional.of(s.statistics()) : Optional.<ResourceStatistics>empty())
        .exceptionally(f -> Optional.empty());
  }

  private static UsageRing.Sample sample(ResourceStatistics stats) {
    long at = stats.hasTimestamp() ? (long) (stats.getTimestamp() * 1000) : System.currentTimeMillis();
    long memory = stats.hasMemTotalBytes() ? stats.getMemTotalBytes() : stats.getMemRssBytes();
    return new UsageRing.Sample(at, stats.getCpusUserTimeSecs() + stats.getCpusSystemTimeSecs(),
        memory, stats.getDiskUsedBytes());
  }
}
