package io.corral.isolators.cgroups;

import io.corral.isolators.ContainerContext;
import io.corral.isolators.Isolator;
import io.corral.isolators.IsolatorException;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.Resource;
import io.corral.proto.v1.ResourceStatistics;
import io.corral.proto.v1.Value;
import io.corral.proto.v1.agent.Call;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The shared lifecycle of the {@code cgroups/*} isolators (Mesos' {@code CgroupsIsolatorProcess},
 * split per {@code --isolation} name): prepare creates the container's cgroup
 * {@code <root>/<id>} in each of the isolator's hierarchies and lets the subclass write its
 * control files, and asks the init to join them (v1: {@code LaunchPlan.join_cgroups}, the
 * init's first step after its clone); isolate makes sure the init's pid is in every one of them
 * (writing it when the init did not join by itself) while the init is still blocked, so the
 * command and all its descendants are charged from their first instruction;
 * cleanup (after every process is gone) removes the cgroups, retrying EBUSY, and then lets the
 * subclass release what it holds. An unknown container is a no-op for usage, status and cleanup.
 *
 * <p>Recover re-adopts the cgroups of the containers the agent recovered (one without a cgroup,
 * a launch cut short before prepare, has nothing to re-adopt; one that fails is reported after
 * all the others are done), then removes every other cgroup under the agent's root in its
 * hierarchies (orphans of a dead agent: the root is locked, so no live agent owns them),
 * killing any process left in them.
 *
 * <p>Threading: any thread (the agent's blocking dispatcher); per-container state in concurrent
 * maps, and at most one call at a time per container.
 */
public abstract class CgroupsIsolator implements Isolator {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(CgroupsIsolator.class);
  private static final double MB = 1024.0 * 1024.0;

  protected final Hierarchies hierarchies;
  private final List<Hierarchy> mine;
  private final Set<String> containers = ConcurrentHashMap.newKeySet();
  private final List<String> pressureFiles;
  /** Where the containers' pressure files are (null: not reported). */
  private final Hierarchy pressure;
  /** {@link #pressure} when it is not one of {@link #mine} (a v1 host's cgroup2 mount). */
  private final Hierarchy hybrid;
  /** Where the container's cgroups are: {@link #mine}, and {@link #hybrid} if there is one. */
  private final List<Hierarchy> held;

  /** Prepares (mounts, creates, locks) the hierarchies of these subsystems: agent start. */
  protected CgroupsIsolator(Hierarchies hierarchies, List<String> subsystems) {
    this(hierarchies, subsystems, List.of());
  }

  /**
   * As above, and reports these {@code *.pressure} files of the container's cgroup v2 cgroup
   * where the kernel has them ({@link Hierarchies#pressure}): on a v1 host with a cgroup2 mount
   * this isolator then also holds the container's cgroup there, created at prepare, joined at
   * isolate, removed at cleanup and recovered like its own.
   */
  protected CgroupsIsolator(Hierarchies hierarchies, List<String> subsystems,
      List<String> pressureFiles) {
    this.hierarchies = hierarchies;
    this.mine = subsystems.stream().map(hierarchies::get).distinct().toList();
    this.pressureFiles = pressureFiles;
    this.pressure = pressureFiles.isEmpty() ? null : hierarchies.pressure().orElse(null);
    this.hybrid = pressure != null && !mine.contains(pressure) ? pressure : null;
    this.held = hybrid == null ? mine
        : java.util.stream.Stream.concat(mine.stream(), java.util.stream.Stream.of(hybrid)).toList();
  }

  /** Writes this isolator's control files for a new container (its cgroups exist). */
  protected abstract void prepared(ContainerContext container);

  /**
   * Writes the limits of these requests and limits (resource name to value) into the
   * container's cgroups: {@code initial} at prepare, from the launch, and later from
   * {@link #update}. Isolators without resource limits keep this no-op.
   */
  protected void applyResources(ContainerContext container, Map<String, Double> requests,
      Map<String, Double> limits, boolean initial) {}

  /** {@link #applyResources} for the launch's own resources and limits. */
  protected void applyLaunchResources(ContainerContext container) {
    applyResources(container, requests(container.launch()), limits(container.launch()), true);
  }

  @Override
  public void update(ContainerContext container, List<Resource> requests, Map<String, Double> limits) {
    applyResources(container, requests(requests), limits, false);
  }

  /** Drops what this isolator holds for a container after its cgroups are gone. */
  protected void released(ContainerContext container) {}

  /** Re-adopts a recovered container's state. */
  protected void recovered(ContainerContext container) {}

  /** The hierarchy of a subsystem this isolator was created with. */
  protected Hierarchy hierarchy(String subsystem) {
    return hierarchies.get(subsystem);
  }

  protected boolean known(ContainerContext container) {
    return containers.contains(container.name());
  }

  @Override
  public void recover(List<ContainerContext> recovered) {
    Set<String> names = new java.util.HashSet<>();
    IsolatorException failure = null;
    for (ContainerContext container : recovered) {
      containers.add(container.name());
      names.add(container.name());
      // A launch cut short before prepare has no cgroup: nothing to re-adopt, cleanup is a no-op.
      if (hybrid != null && hybrid.fs().exists(hybrid.cgroup(container.name()))) {
        hybrid.adopt(container.name());
      }
      if (mine.stream().allMatch(h -> h.fs().exists(h.cgroup(container.name())))) {
        mine.forEach(h -> h.adopt(container.name()));
        try {
          recovered(container);
        } catch (RuntimeException e) {
          LOG.error("Failed to recover container '{}': {}", container.name(), e.getMessage());
          if (failure == null) {
            failure = e instanceof IsolatorException i ? i : new IsolatorException("Failed to recover: container '"
                + container.name() + "': " + e.getMessage(), e);
          }
        }
      }
    }
    for (Hierarchy hierarchy : held) {
      for (String orphan : hierarchy.containers()) {
        if (!names.contains(orphan)) {
          LOG.info("Removing orphan cgroup '{}'", hierarchy.path(orphan));
          hierarchy.destroy(orphan, hierarchies.linux().processes(),
              hierarchies.config().destroyTimeout());
        }
      }
    }
    if (failure != null) {
      throw failure; // every other container was recovered and every orphan removed regardless
    }
  }

  @Override
  public LaunchPlan prepare(ContainerContext container) {
    if (!containers.add(container.name())) {
      throw new IsolatorException("Failed to prepare: container '" + container.name()
          + "' has already been prepared");
    }
    for (Hierarchy hierarchy : mine) {
      hierarchy.create(container.name());
    }
    if (hybrid != null) {
      hybrid.create(container.name());
    }
    prepared(container);
    LaunchPlan.Builder fragment = LaunchPlan.newBuilder();
    for (Hierarchy hierarchy : mine) {
      hierarchy.joinFile(container.name()).ifPresent(fragment::addJoinCgroups);
    }
    return fragment.build();
  }

  @Override
  public void isolate(ContainerContext container, int pid) {
    for (Hierarchy hierarchy : held) {
      hierarchy.assign(container.name(), pid);
    }
  }

  @Override
  public void cleanup(ContainerContext container) {
    if (!containers.contains(container.name())) {
      return;
    }
    beforeRemoval(container);
    for (Hierarchy hierarchy : held) {
      hierarchy.destroy(container.name(), hierarchies.linux().processes(),
          hierarchies.config().destroyTimeout());
    }
    containers.remove(container.name());
    released(container);
  }

  /**
   * Sets this isolator's pressure fields from the container's {@code *.pressure} files; a file
   * that is absent or malformed sets nothing ({@link PressureFile}).
   */
  protected void addPressure(ContainerContext container, ResourceStatistics.Builder statistics) {
    if (pressure == null) {
      return;
    }
    for (String file : pressureFiles) {
      PressureFile.read(pressure.fs(), pressure.cgroup(container.name()), file)
          .ifPresent(figures -> {
            switch (file) {
              case "cpu.pressure" -> statistics.setCpuPressure(figures);
              case "memory.pressure" -> statistics.setMemoryPressure(figures);
              case "io.pressure" -> statistics.setIoPressure(figures);
              default -> throw new IllegalStateException("Unknown pressure file '" + file + "'");
            }
          });
    }
  }

  /** Stops watching the container's cgroups before they are removed. */
  protected void beforeRemoval(ContainerContext container) {}

  /** The launch's requests (resources) by name, summed; scalar resources only. */
  protected static Map<String, Double> requests(List<Resource> resources) {
    Map<String, Double> sums = new HashMap<>();
    for (Resource resource : resources) {
      if (resource.hasScalar()) {
        sums.merge(resource.getName(), resource.getScalar().getValue(), Double::sum);
      }
    }
    return sums;
  }

  protected static Map<String, Double> requests(Call.LaunchContainer launch) {
    return requests(launch.getResourcesList());
  }

  protected static Map<String, Double> limits(Call.LaunchContainer launch) {
    Map<String, Double> limits = new HashMap<>();
    launch.getLimitsMap().forEach((name, scalar) -> limits.put(name, scalar.getValue()));
    return limits;
  }

  /** A scalar resource for a limitation, e.g. {@code mem} in MB. */
  protected static Resource scalar(String name, double value) {
    return Resource.newBuilder().setName(name).setType(Value.Type.SCALAR)
        .setScalar(Value.Scalar.newBuilder().setValue(value)).build();
  }

  protected static long megabytesToBytes(double megabytes) {
    return (long) (megabytes * MB);
  }

  protected static double bytesToMegabytes(long bytes) {
    return bytes / MB;
  }
}
