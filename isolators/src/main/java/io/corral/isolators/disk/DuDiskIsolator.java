package io.corral.isolators.disk;

import io.corral.isolators.ContainerContext;
import io.corral.isolators.Isolator;
import io.corral.isolators.Limitation;
import io.corral.posix.du.Du;
import io.corral.posix.du.DuException;
import io.corral.proto.v1.Resource;
import io.corral.proto.v1.ResourceStatistics;
import io.corral.proto.v1.TaskStatus;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code disk/du} (Mesos' {@code PosixDiskIsolatorProcess}): a container that asks for a
 * {@code disk} resource has its sandbox measured with {@code du}; the sum of its {@code disk}
 * resources (MB) is its quota. {@link #usage} reports {@code disk_limit_bytes} and, once a
 * sample exists, {@code disk_used_bytes}. With {@link DuConfig#enforce} a sample above the quota
 * completes {@link #watch} with TASK_FAILED's {@code REASON_CONTAINER_LIMITATION_DISK}, the
 * container's {@code disk} resources and {@code Disk usage (X) exceeds quota (Y)} (sizes as
 * stout prints Bytes), and the containerizer destroys the container.
 *
 * <p>This class holds the policy and the per-container state; <em>when</em> to measure is the
 * agent-wide {@code DiskWatchActor}'s business. A container is tracked from {@link #isolate}
 * (or {@link #recover}, or an {@link #update} that adds {@code disk}) until {@link #cleanup},
 * and the {@link Listener} hears of both. {@link #sample} runs one {@code du} over the real
 * sandbox path, excluding every mount point under it (a run during which those mount points
 * changed is discarded as failed). A {@code du} that fails or times out is
 * logged and reported in the {@link Sample}; the last good sample stays and the container is not
 * touched. {@link #cleanup} kills a running {@code du} of the container at once and returns when
 * it is gone; it never waits for a sample to finish.
 *
 * <p>Threading: {@link #sample} blocks (the actor runs it on the blocking dispatcher), the
 * lifecycle methods run on the blocking dispatcher through {@code IsolatorActor}s; all state is
 * in concurrent maps or guarded by the container's entry.
 */
public final class DuDiskIsolator implements Isolator {
  private static final Logger LOG = LoggerFactory.getLogger(DuDiskIsolator.class);
  private static final double MB = 1024.0 * 1024.0;

  /** Hears which containers are to be measured. Called on the isolator's calling thread. */
  public interface Listener {
    void tracked(String container);

    void untracked(String container);
  }

  /**
   * The outcome of one {@link #sample}.
   *
   * @param usedBytes the usage measured now; empty when the run failed or was cancelled
   * @param lastUsedBytes the last good usage, which stays after a failure
   * @param limitBytes the quota, 0 when the container is no longer tracked
   * @param failure why the run gave no usage (empty on success and when cancelled)
   */
  public record Sample(String container, OptionalLong usedBytes, OptionalLong lastUsedBytes,
      long limitBytes, Optional<String> failure) {

    /** Neither a usage nor a failure: the container went away, or its run was killed. */
    public boolean cancelled() {
      return usedBytes.isEmpty() && failure.isEmpty();
    }
  }

  /** One tracked container. {@code run} and {@code closed} are guarded by the entry. */
  private static final class Tracked {
    volatile List<Resource> resources;
    volatile long limitBytes;
    volatile OptionalLong used = OptionalLong.empty();
    final Path sandbox;
    Du.Run run;
    boolean closed;

    Tracked(Path sandbox, List<Resource> resources) {
      this.sandbox = sandbox;
      resources(resources);
    }

    void resources(List<Resource> disk) {
      this.resources = disk;
      this.limitBytes = Math.round(disk.stream().mapToDouble(r -> r.getScalar().getValue()).sum() * MB);
    }
  }

  private static final Listener NONE = new Listener() {
    public void tracked(String container) {}

    public void untracked(String container) {}
  };

  private final DuConfig config;
  private final Du du;
  private final MountPoints mounts;
  private final Map<String, Tracked> tracked = new ConcurrentHashMap<>();
  private final Map<String, CompletableFuture<Limitation>> limitations = new ConcurrentHashMap<>();
  private volatile Listener listener = NONE;

  public DuDiskIsolator(DuConfig config, Du du) {
    this(config, du, MountPoints.SELF);
  }

  DuDiskIsolator(DuConfig config, Du du, MountPoints mounts) {
    this.config = config;
    this.du = du;
    this.mounts = mounts;
  }

  @Override
  public String name() {
    return "disk/du";
  }

  public DuConfig config() {
    return config;
  }

  /** Sets the one listener and tells it of every container tracked so far. */
  public void listen(Listener newListener) {
    listener = newListener;
    tracked.keySet().forEach(newListener::tracked);
  }

  /** Whether {@code container} is measured now (tracked and not yet cleaned up). */
  public boolean tracks(String container) {
    return tracked.containsKey(container);
  }

  @Override
  public void recover(List<ContainerContext> recovered) {
    recovered.forEach(c -> track(c, disk(c.launch().getResourcesList())));
  }

  @Override
  public void isolate(ContainerContext container, int pid) {
    track(container, disk(container.launch().getResourcesList()));
  }

  @Override
  public CompletionStage<Limitation> watch(ContainerContext container) {
    return limitations.computeIfAbsent(container.name(), n -> new CompletableFuture<>());
  }

  @Override
  public void update(ContainerContext container, List<Resource> requests, Map<String, Double> limits) {
    List<Resource> disk = disk(requests);
    Tracked entry = tracked.get(container.name());
    if (entry == null) {
      track(container, disk);
    } else if (disk.isEmpty()) {
      untrack(container.name());
    } else {
      entry.resources(disk);
    }
  }

  @Override
  public void usage(ContainerContext container, ResourceStatistics.Builder statistics) {
    Tracked entry = tracked.get(container.name());
    if (entry != null) {
      statistics.setDiskLimitBytes(entry.limitBytes);
      entry.used.ifPresent(statistics::setDiskUsedBytes);
    }
  }

  @Override
  public void cleanup(ContainerContext container) {
    untrack(container.name());
    limitations.remove(container.name());
  }

  /**
   * Measures one container's sandbox now (blocking up to the timeout), keeps the result and,
   * when enforcing, reports a usage above the quota through {@link #watch}.
   */
  public Sample sample(String container) {
    Tracked entry = tracked.get(container);
    if (entry == null) {
      return new Sample(container, OptionalLong.empty(), OptionalLong.empty(), 0, Optional.empty());
    }
    Du.Run run;
    Path root;
    List<Path> excludes;
    try {
      synchronized (entry) {
        if (entry.closed) {
          return new Sample(container, OptionalLong.empty(), entry.used, 0, Optional.empty());
        }
        root = entry.sandbox.toRealPath();
        excludes = mounts.under(root);
        run = du.start(root, excludes);
        entry.run = run;
      }
    } catch (java.nio.file.NoSuchFileException e) {
      return failed(container, entry, "Failed to measure disk usage of '" + entry.sandbox
          + "': the sandbox does not exist");
    } catch (IOException | RuntimeException e) {
      return failed(container, entry, e instanceof DuException ? e.getMessage()
          : "Failed to measure disk usage of '" + entry.sandbox + "': " + e);
    }
    try {
      long bytes = run.await(config.timeout()) * 1024;
      if (!mounts.under(root).equals(excludes)) {
        // Something was mounted or unmounted under the sandbox while du walked it: what it
        // counted may include a mount's content. Measure again at the next turn.
        return failed(container, entry, "Failed to measure disk usage of '" + entry.sandbox
            + "': the mounts under it changed during the run");
      }
      entry.used = OptionalLong.of(bytes);
      long limit = entry.limitBytes;
      if (config.enforce() && limit > 0 && bytes > limit) {
        LOG.info("Disk usage of container '{}' ({}) exceeds its quota ({})", container, format(bytes), format(limit));
        reportLimitation(container, entry);
      }
      return new Sample(container, OptionalLong.of(bytes), entry.used, limit, Optional.empty());
    } catch (DuException e) {
      if (e.kind() == DuException.Kind.KILLED) {
        return new Sample(container, OptionalLong.empty(), entry.used, entry.limitBytes, Optional.empty());
      }
      return failed(container, entry, e.getMessage());
    } finally {
      synchronized (entry) {
        if (entry.run == run) {
          entry.run = null;
        }
      }
    }
  }

  /** Kills every running {@code du} (the watcher is stopping); containers stay tracked. */
  public void killRuns() {
    for (Tracked entry : tracked.values()) {
      Du.Run run;
      synchronized (entry) {
        run = entry.run;
      }
      if (run != null) {
        run.kill();
      }
    }
  }

  private void reportLimitation(String container, Tracked entry) {
    limitations.computeIfAbsent(container, n -> new CompletableFuture<>()).complete(new Limitation(
        entry.resources, "Disk usage (" + format(entry.used.getAsLong()) + ") exceeds quota ("
            + format(entry.limitBytes) + ")", TaskStatus.Reason.REASON_CONTAINER_LIMITATION_DISK));
  }

  private Sample failed(String container, Tracked entry, String message) {
    LOG.warn("{}; keeping the last sample of container '{}'", message, container);
    return new Sample(container, OptionalLong.empty(), entry.used, entry.limitBytes, Optional.of(message));
  }

  private void track(ContainerContext container, List<Resource> disk) {
    if (disk.isEmpty()) {
      return;
    }
    if (tracked.putIfAbsent(container.name(), new Tracked(container.sandbox(), disk)) == null) {
      listener.tracked(container.name());
    }
  }

  private void untrack(String container) {
    Tracked entry = tracked.remove(container);
    if (entry == null) {
      return;
    }
    Du.Run run;
    synchronized (entry) {
      entry.closed = true;
      run = entry.run;
    }
    if (run != null) {
      run.kill();
    }
    listener.untracked(container);
  }

  /** The scalar {@code disk} resources among {@code resources}. */
  static List<Resource> disk(List<Resource> resources) {
    return resources.stream().filter(r -> r.getName().equals("disk") && r.hasScalar()).toList();
  }

  /** A size as stout prints {@code Bytes}: the largest unit that loses nothing (B, KB, MB, GB, TB). */
  public static String format(long bytes) {
    String[] units = {"B", "KB", "MB", "GB", "TB"};
    int unit = 0;
    long value = bytes;
    while (unit < units.length - 1 && value != 0 && value % 1024 == 0) {
      value /= 1024;
      unit++;
    }
    return value + units[unit];
  }
}
