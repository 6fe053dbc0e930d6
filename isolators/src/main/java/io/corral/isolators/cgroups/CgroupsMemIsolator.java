package io.corral.isolators.cgroups;

import io.corral.isolators.ContainerContext;
import io.corral.isolators.IsolatorException;
import io.corral.isolators.Limitation;
import io.corral.posix.LinuxException;
import io.corral.posix.cgroup.CgroupKernel;
import io.corral.proto.v1.ResourceStatistics;
import io.corral.proto.v1.TaskStatus;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code cgroups/mem}: the {@code memory} hierarchy. Limits as Mesos computes them: soft =
 * max(mem request, 32 MB); hard = max({@code limits.mem}, 32 MB), -1 for an infinite limit, else
 * the soft value. Unlike Mesos, {@code update} also lowers the hard limit, and refuses with a
 * clear error when the cgroup's current usage is above the new limit.
 *
 * <p>OOM: the container's cgroup has the kernel OOM killer turned off and an eventfd registered
 * on {@code memory.oom_control} from prepare (and again at recover). When the cgroup hits its
 * limit its tasks wait, the eventfd fires, and the notifier thread captures
 * {@code memory.max_usage_in_bytes} and {@code memory.stat} before anything is killed; the
 * watch then completes with TASK_FAILED's REASON_CONTAINER_LIMITATION_MEMORY, the resource
 * {@code mem} (maximum usage in MB) and {@code Memory limit exceeded: Requested: <limit>
 * Maximum Used: <max>} followed by {@code MEMORY STATISTICS:}. The containerizer's destroy then
 * kills the waiting tasks. Because nothing dies before the agent has seen the OOM, the race of
 * Mesos (the executor killed by the kernel and reported as a plain exit) cannot happen.
 *
 * <p>Usage adds the memory pressure counters ({@link MemoryPressure}), and
 * {@code memory_pressure} and {@code io_pressure} from the container's {@code memory.pressure}
 * and {@code io.pressure} where the kernel has PSI (no Corral isolator controls io; its stalls
 * come mostly from page cache writeback and refaults, so they are reported here). Cleanup closes the OOM
 * subscription and the pressure counters before the cgroup is removed. See {@link CgroupsIsolator}
 * for the rest of the lifecycle and threading.
 */
public final class CgroupsMemIsolator extends CgroupsIsolator {
  private static final Logger LOG = LoggerFactory.getLogger(CgroupsMemIsolator.class);

  private final Map<String, CompletableFuture<Limitation>> limitations = new ConcurrentHashMap<>();
  private final Map<String, CgroupKernel.OomSubscription> subscriptions = new ConcurrentHashMap<>();
  private final Map<String, MemoryPressure> pressure = new ConcurrentHashMap<>();

  public CgroupsMemIsolator(Hierarchies hierarchies) {
    super(hierarchies, List.of("memory"), List.of("memory.pressure", "io.pressure"));
  }

  @Override
  public String name() {
    return "cgroups/mem";
  }

  @Override
  protected void prepared(ContainerContext container) {
    controller(container).disableOomKiller();
    applyLaunchResources(container);
    listen(container);
    countPressure(container);
  }

  @Override
  protected void recovered(ContainerContext container) {
    listen(container);
    countPressure(container);
  }

  /** Mesos' pressure counters from now on (after a recovery they restart from zero, as in Mesos). */
  private void countPressure(ContainerContext container) {
    Hierarchy memory = hierarchy("memory");
    MemoryPressure previous = pressure.put(container.name(), MemoryPressure.start(
        hierarchies.linux().cgroupKernel(), memory.path(container.name()), memory.v2()));
    if (previous != null) {
      previous.close();
    }
  }

  @Override
  public CompletionStage<Limitation> watch(ContainerContext container) {
    return limitations.computeIfAbsent(container.name(), n -> new CompletableFuture<>());
  }

  @Override
  protected void applyResources(ContainerContext container, Map<String, Double> requests,
      Map<String, Double> limits, boolean initial) {
    Double request = requests.get("mem");
    Double limit = limits.get("mem");
    Long soft = request == null ? null
        : Math.max(megabytesToBytes(request), MemoryController.MIN_BYTES);
    Long hard = limit == null ? soft
        : Double.isInfinite(limit) ? Long.valueOf(-1)
        : Long.valueOf(Math.max(megabytesToBytes(limit), MemoryController.MIN_BYTES));
    MemoryController controller = controller(container);
    if (hard != null) {
      if (!initial && hard >= 0) {
        long usage = controller.usage();
        if (usage > hard) {
          throw new IsolatorException("Failed to update: the memory usage of container '"
              + container.name() + "' (" + MemoryController.format(usage)
              + ") is above the new limit (" + MemoryController.format(hard) + ")");
        }
      }
      controller.setHardLimit(hard);
    }
    if (soft != null) {
      controller.setSoftLimit(soft);
    }
  }

  private void listen(ContainerContext container) {
    CgroupKernel.OomSubscription subscription = hierarchies.linux().cgroupKernel()
        .subscribeOom(hierarchy("memory").path(container.name()));
    CgroupKernel.OomSubscription previous = subscriptions.put(container.name(), subscription);
    if (previous != null) {
      previous.close();
    }
    subscription.fired().thenRun(() -> oom(container, subscription));
    if (hierarchy("memory").v2() && controller(container).oomHappened()) {
      // v2 wakes only for changes after the subscription: a kill counted between the last read
      // and this subscription (or while the agent was down) is seen here instead
      oom(container, subscription);
    }
  }

  /** Runs on the notifier thread: capture the statistics, then report. */
  private void oom(ContainerContext container, CgroupKernel.OomSubscription subscription) {
    if (subscriptions.get(container.name()) != subscription) {
      return; // cleaned up (or re-subscribed) meanwhile
    }
    MemoryController controller = controller(container);
    try {
      if (!controller.oomHappened()) {
        // v2 wakes the listener for any change of memory.events (low, high, max): routine there
        if (hierarchy("memory").v2()) {
          LOG.debug("memory.events changed without an OOM kill for container '{}'", container.name());
        } else {
          LOG.warn("OOM event without an OOM for container '{}'; listening again", container.name());
        }
        listen(container);
        return;
      }
      watch(container).toCompletableFuture().complete(limitation(container, controller));
    } catch (LinuxException e) {
      watch(container).toCompletableFuture().completeExceptionally(new IsolatorException(
          "Failed to read the memory statistics of container '" + container.name()
              + "' after an OOM: " + e.getMessage(), e));
    }
  }

  /** The OOM as Mesos reports it, with the statistics read now. */
  private static Limitation limitation(ContainerContext container, MemoryController controller) {
    long limit = controller.hardLimit();
    long maxUsage = controller.maxUsage();
    String message = "Memory limit exceeded: Requested: " + MemoryController.format(limit)
        + " Maximum Used: " + MemoryController.format(maxUsage)
        + "\n\nMEMORY STATISTICS: \n" + controller.stat() + "\n";
    LOG.info("OOM in container '{}': limit {} maximum used {}", container.name(),
        MemoryController.format(limit), MemoryController.format(maxUsage));
    return new Limitation(List.of(scalar("mem", bytesToMegabytes(maxUsage))), message,
        TaskStatus.Reason.REASON_CONTAINER_LIMITATION_MEMORY);
  }

  @Override
  public void usage(ContainerContext container, ResourceStatistics.Builder statistics) {
    if (known(container)) {
      controller(container).addUsage(statistics);
      MemoryPressure counters = pressure.get(container.name());
      if (counters != null) {
        Hierarchy memory = hierarchy("memory");
        counters.addTo(statistics, memory.fs(), memory.cgroup(container.name()), memory.v2());
      }
      addPressure(container, statistics);
    }
  }

  @Override
  protected void beforeRemoval(ContainerContext container) {
    reportUnreportedOom(container);
    CgroupKernel.OomSubscription subscription = subscriptions.remove(container.name());
    if (subscription != null) {
      subscription.close();
    }
    MemoryPressure counters = pressure.remove(container.name());
    if (counters != null) {
      counters.close();
    }
  }

  /**
   * An OOM the notifier has not reported yet (the kernel killed the cgroup and the container's
   * exit started the destroy first) is reported now, before the cleanup answers: the watch's
   * reply then reaches the container ahead of the cleanup's.
   */
  private void reportUnreportedOom(ContainerContext container) {
    CompletableFuture<Limitation> watch = limitations.get(container.name());
    Hierarchy memory = hierarchy("memory");
    if (watch == null || watch.isDone() || !known(container) || !memory.fs().exists(memory.cgroup(container.name()))) {
      return; // on v2 another cgroups isolator may have removed the shared cgroup already
    }
    MemoryController controller = controller(container);
    try {
      if (controller.oomHappened()) {
        watch.complete(limitation(container, controller));
      }
    } catch (LinuxException e) {
      LOG.warn("Failed to read the OOM state of container '{}' at cleanup: {}", container.name(), e.getMessage());
    }
  }

  @Override
  protected void released(ContainerContext container) {
    limitations.remove(container.name());
  }

  private MemoryController controller(ContainerContext container) {
    Hierarchy memory = hierarchy("memory");
    return new MemoryController(memory.fs(), memory.cgroup(container.name()), memory.v2());
  }
}
