package io.corral.isolators.posix;

import io.corral.isolators.ContainerContext;
import io.corral.isolators.Isolator;
import io.corral.isolators.IsolatorException;
import io.corral.posix.ProcessTable;
import io.corral.proto.v1.ContainerPids;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.ResourceStatistics;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared part of {@code posix/cpu} and {@code posix/mem} (Mesos' {@code PosixIsolatorProcess}):
 * accounting only, nothing enforced, so watch never fires and update does nothing. It remembers
 * each container's init pid (from isolate, or on recover from the checkpointed
 * {@code <runtime dir>/pids}), and usage walks the {@link ProcessTree} under it in one snapshot of
 * the {@link ProcessTable} ({@code /proc}, or {@code ps} where there is none); subclasses pick
 * the numbers. A table that cannot be read fails the usage call with its message. Cleanup
 * forgets the container; unknown containers are no-ops for usage and cleanup.
 *
 * <p>Threading: any thread; per-container state lives in a concurrent map.
 */
public abstract class PosixIsolator implements Isolator {
  private static final Logger LOG = LoggerFactory.getLogger(PosixIsolator.class);
  private static final int NO_PID = 0;

  private final ProcessTable table;
  private final Map<String, Integer> pids = new ConcurrentHashMap<>();

  protected PosixIsolator(ProcessTable table) {
    this.table = table;
  }

  /** Adds this isolator's numbers for one snapshot of the container's process tree. */
  protected abstract void addUsage(ProcessTree tree, ResourceStatistics.Builder stats);

  @Override
  public void recover(List<ContainerContext> recovered) {
    for (ContainerContext container : recovered) {
      int pid = readInitPid(container.runtimeDir().resolve("pids")).orElse(NO_PID);
      if (pids.putIfAbsent(container.name(), pid) != null) {
        throw new IsolatorException("Failed to recover: container '" + container.name()
            + "' has already been recovered");
      }
    }
  }

  @Override
  public LaunchPlan prepare(ContainerContext container) {
    if (pids.putIfAbsent(container.name(), NO_PID) != null) {
      throw new IsolatorException("Failed to prepare: container '" + container.name()
          + "' has already been prepared");
    }
    return LaunchPlan.getDefaultInstance();
  }

  @Override
  public void isolate(ContainerContext container, int pid) {
    pids.put(container.name(), pid);
  }

  @Override
  public void usage(ContainerContext container, ResourceStatistics.Builder statistics) {
    Integer pid = pids.get(container.name());
    if (pid == null) {
      LOG.warn("No resource usage for unknown container '{}'", container.name());
      return;
    }
    if (pid == NO_PID) {
      LOG.debug("No resource usage for container '{}': its init is not known", container.name());
      return;
    }
    Optional<ProcessTree> tree;
    try {
      tree = ProcessTree.snapshot(table, pid);
    } catch (RuntimeException e) {
      throw new IsolatorException("Failed to get usage of container '" + container.name() + "': "
          + e.getMessage(), e);
    }
    if (tree.isEmpty()) {
      // The init exited and the container is being destroyed: nothing left to count.
      LOG.debug("No process tree under pid {} of container '{}'", pid, container.name());
      return;
    }
    addUsage(tree.get(), statistics);
  }

  @Override
  public void cleanup(ContainerContext container) {
    pids.remove(container.name());
  }

  private static Optional<Integer> readInitPid(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return Optional.of(ContainerPids.parseFrom(in).getInitPid());
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new IsolatorException("Failed to recover: cannot read '" + file + "': " + e.getMessage(), e);
    }
  }
}
