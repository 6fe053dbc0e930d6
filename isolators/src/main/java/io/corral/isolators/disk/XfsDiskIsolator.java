package io.corral.isolators.disk;

import io.corral.isolators.ContainerContext;
import io.corral.isolators.Isolator;
import io.corral.isolators.IsolatorException;
import io.corral.isolators.Limitation;
import io.corral.isolators.cgroups.MemoryController;
import io.corral.posix.Errno;
import io.corral.posix.LinuxException;
import io.corral.posix.Quotas;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.Resource;
import io.corral.proto.v1.ResourceStatistics;
import io.corral.proto.v1.TaskStatus;
import io.corral.proto.v1.Value;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code disk/xfs}: a disk quota per sandbox with XFS project quotas (Mesos {@code ISO/xfs}).
 * Created only when {@code --work_dir} is on XFS with project quota on ({@link XfsCheck}), else
 * the agent refuses to start.
 *
 * <p>prepare gives the sandbox the lowest free id of {@code --xfs_project_range}, set with
 * {@code PROJINHERIT} on it and its contents ({@link SandboxProjects}), and sets the quota from
 * the {@code disk} resource (MB): soft = hard = request, so writes past it fail with ENOSPC (XFS's errno for a project quota); with
 * {@code --xfs_kill_containers} the hard limit is {@link XfsConfig#KILL_HEADROOM_BYTES} higher and
 * {@link #checkLimits}, which the agent-wide {@code DiskWatchActor} runs every watch interval,
 * completes {@link #watch} with {@code REASON_CONTAINER_LIMITATION_DISK} once usage is above the
 * request. No {@code disk} resource: usage is accounted, nothing limited.
 * update applies a new {@code disk} request; usage reports {@code disk_limit_bytes} (the request)
 * and {@code disk_used_bytes} (the project's block count). cleanup stops the check, removes the
 * limits, clears the id from the sandbox's files and frees it; recover re-reads the ids of the
 * recovered sandboxes (and of every other sandbox, which stay taken while they carry one), and
 * gives an id and a quota to a recovered sandbox that has none (launched before disk/xfs).
 *
 * <p>Threading: phases and the kill check run on the agent's blocking dispatcher; the isolator
 * owns no thread and no timer (the check stops with the containerizer that drives it).
 * Per-container state is in concurrent maps.
 */
public final class XfsDiskIsolator implements Isolator {
  private static final Logger LOG = LoggerFactory.getLogger(XfsDiskIsolator.class);
  private static final double MB = 1024.0 * 1024.0;

  /** A sandbox's project and the quota asked for it (0: none). */
  private record Quota(long projectId, long requestBytes) {}

  private final Quotas quotas;
  private final XfsConfig config;
  private final Path device;
  private final SandboxProjects projects;
  private final Map<String, Quota> containers = new ConcurrentHashMap<>();
  private final Map<String, CompletableFuture<Limitation>> limitations = new ConcurrentHashMap<>();

  /**
   * Checks the sandbox file system.
   *
   * @throws IllegalArgumentException when the work directory is not on XFS with project quota
   */
  public XfsDiskIsolator(Quotas quotas, XfsConfig config) {
    if (config.workDir() == null) {
      throw new IllegalArgumentException("Failed to create isolator 'disk/xfs': no --work_dir");
    }
    this.quotas = quotas;
    this.config = config;
    this.device = Path.of(XfsCheck.verify(quotas, config.sandboxes()).source());
    this.projects = new SandboxProjects(quotas, config.sandboxes(), config.projectRange());
  }

  /** The flags it was created with; {@link XfsConfig#killContainers} asks for {@link #checkLimits}. */
  public XfsConfig config() {
    return config;
  }

  @Override
  public String name() {
    return "disk/xfs";
  }

  @Override
  public void recover(List<ContainerContext> recovered) {
    projects.scan();
    for (ContainerContext container : recovered) {
      long request = requestBytes(container.launch().getResourcesList());
      long id = projects.carried(container.sandbox());
      if (!config.projectRange().contains(id)) {
        // Launched before disk/xfs was enabled (MESOS-6049): give it an id and its quota now.
        id = projects.assign(container.sandbox());
        setLimit(container, id, request);
        LOG.info("Assigned XFS project id {} to recovered sandbox '{}'", id, container.sandbox());
      }
      containers.put(container.name(), new Quota(id, request));
    }
  }

  @Override
  public LaunchPlan prepare(ContainerContext container) {
    long request = requestBytes(container.launch().getResourcesList());
    long id = projects.assign(container.sandbox());
    containers.put(container.name(), new Quota(id, request));
    try {
      setLimit(container, id, request);
    } catch (RuntimeException e) {
      containers.remove(container.name());
      try {
        projects.release(container.sandbox(), id);
      } catch (RuntimeException undo) {
        e.addSuppressed(undo);
      }
      throw e;
    }
    LOG.info("Assigned XFS project id {} to sandbox '{}' (disk quota {})", id,
        container.sandbox(), request == 0 ? "none" : MemoryController.format(request));
    return LaunchPlan.getDefaultInstance();
  }

  @Override
  public CompletionStage<Limitation> watch(ContainerContext container) {
    return limitations.computeIfAbsent(container.name(), n -> new CompletableFuture<>());
  }

  @Override
  public void update(ContainerContext container, List<Resource> requests, Map<String, Double> limits) {
    Quota quota = containers.get(container.name());
    if (quota == null) {
      return;
    }
    long request = requestBytes(requests);
    if (request != quota.requestBytes()) {
      setLimit(container, quota.projectId(), request);
      containers.put(container.name(), new Quota(quota.projectId(), request));
    }
  }

  @Override
  public void usage(ContainerContext container, ResourceStatistics.Builder statistics) {
    Quota quota = containers.get(container.name());
    if (quota == null) {
      return;
    }
    if (quota.requestBytes() > 0) {
      statistics.setDiskLimitBytes(quota.requestBytes());
    }
    try {
      statistics.setDiskUsedBytes(used(quota.projectId()));
    } catch (LinuxException e) {
      LOG.warn("Failed to read the disk usage of container '{}': {}", container.name(), e.getMessage());
    }
  }

  @Override
  public void cleanup(ContainerContext container) {
    CompletableFuture<Limitation> pending = limitations.remove(container.name());
    if (pending != null) {
      pending.cancel(false);
    }
    Quota quota = containers.remove(container.name());
    long id = quota != null ? quota.projectId() : carriedOrZero(container.sandbox());
    if (id == 0) {
      return;
    }
    try {
      quotas.setProjectLimit(device, (int) id, 0, 0);
    } catch (LinuxException e) {
      // Harmless: the next user of the id gets its own limits at prepare.
      LOG.warn("Failed to remove the disk quota of project {}: {}", id, e.getMessage());
    }
    try {
      projects.release(container.sandbox(), id);
    } catch (RuntimeException e) {
      containers.put(container.name(), quota == null ? new Quota(id, 0) : quota);
      throw new IsolatorException("Failed to clear project id " + id + " from sandbox '"
          + container.sandbox() + "': " + e.getMessage(), e);
    }
    LOG.info("Released XFS project id {} of sandbox '{}'", id, container.sandbox());
  }

  /**
   * Compares each watched container's usage with its request and completes its watch when above;
   * a failed read is logged and retried at the next check, never a reason to kill. With
   * {@code --xfs_kill_containers} the agent-wide {@code DiskWatchActor} calls it every
   * {@code --container_disk_watch_interval}, on the blocking dispatcher, one check at a time.
   */
  public void checkLimits() {
    for (Map.Entry<String, CompletableFuture<Limitation>> watched : limitations.entrySet()) {
      Quota quota = containers.get(watched.getKey());
      if (quota == null || quota.requestBytes() == 0 || watched.getValue().isDone()) {
        continue;
      }
      try {
        long used = used(quota.projectId());
        if (used > quota.requestBytes()) {
          LOG.info("Container '{}' uses {} of disk, above its quota of {}", watched.getKey(),
              MemoryController.format(used), MemoryController.format(quota.requestBytes()));
          watched.getValue().complete(new Limitation(List.of(disk(used)),
              "Disk usage (" + MemoryController.format(used) + ") exceeded quota ("
                  + MemoryController.format(quota.requestBytes()) + ")",
              TaskStatus.Reason.REASON_CONTAINER_LIMITATION_DISK));
        }
      } catch (LinuxException e) {
        LOG.warn("Failed to check the disk usage of container '{}': {}", watched.getKey(),
            e.getMessage());
      } catch (RuntimeException e) {
        LOG.error("Failed to check the disk usage of container '{}'", watched.getKey(), e);
      }
    }
  }

  /** How many project ids are free now (for metrics and tests). */
  public long freeProjectIds() {
    return projects.freeIds();
  }

  private void setLimit(ContainerContext container, long id, long request) {
    long hard = request == 0 ? 0
        : config.killContainers() ? request + XfsConfig.KILL_HEADROOM_BYTES : request;
    try {
      quotas.setProjectLimit(device, (int) id, request, hard);
    } catch (LinuxException e) {
      throw new IsolatorException("Failed to set the disk quota of container '" + container.name()
          + "' (project " + id + "): " + e.getMessage(), e);
    }
  }

  private long used(long id) {
    try {
      return quotas.projectQuota(device, (int) id).usedBytes();
    } catch (LinuxException e) {
      if (e.errno() == Errno.ENOENT) {
        return 0; // XFS keeps no record for a project nothing was charged to yet
      }
      throw e;
    }
  }

  private long carriedOrZero(Path sandbox) {
    try {
      long id = projects.carried(sandbox);
      return config.projectRange().contains(id) ? id : 0;
    } catch (LinuxException e) {
      return 0;
    }
  }

  private static long requestBytes(List<Resource> resources) {
    double mb = 0;
    for (Resource resource : resources) {
      if (resource.getName().equals("disk") && resource.hasScalar()) {
        mb += resource.getScalar().getValue();
      }
    }
    return (long) (mb * MB);
  }

  private static Resource disk(long bytes) {
    return Resource.newBuilder().setName("disk").setType(Value.Type.SCALAR)
        .setScalar(Value.Scalar.newBuilder().setValue(bytes / MB)).build();
  }
}
