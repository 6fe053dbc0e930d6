package io.corral.isolators.cgroups;

import io.corral.posix.Errno;
import io.corral.posix.LinuxException;
import io.corral.posix.cgroup.CgroupFs;
import io.corral.posix.cgroup.CgroupKernel;
import io.corral.proto.v1.ResourceStatistics;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The memory pressure counters of one container ({@code mem_low_pressure_counter},
 * {@code mem_medium_pressure_counter}, {@code mem_critical_pressure_counter}).
 *
 * <p>v1, as Mesos: one eventfd per level on the cgroup's {@code memory.pressure_level}
 * (default mode), registered at prepare, counting the kernel's notifications since then. A
 * kernel without {@code memory.pressure_level} (ENOENT) leaves the counters unset, logged once
 * per agent, rather than failing the launch.
 *
 * <p>v2 has no pressure-level events. The counters come from {@code memory.events}, read at
 * each usage: {@code low} (reclaimed although under its {@code memory.low} protection),
 * {@code high} (throttled above {@code memory.high}) and {@code max} (reached
 * {@code memory.max}, reclaim or OOM next) count as low, medium and critical. That is Corral's
 * mapping, not the kernel's vmpressure levels; see the README.
 *
 * <p>Threading: created and closed on the isolator's calls (blocking dispatcher); the counts
 * are updated by the kernel facade's notifier thread and read at any time.
 */
final class MemoryPressure implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MemoryPressure.class);
  static final List<String> LEVELS = List.of("low", "medium", "critical");
  private static final AtomicBoolean WARNED = new AtomicBoolean();

  private final List<CgroupKernel.PressureCounter> counters;

  private MemoryPressure(List<CgroupKernel.PressureCounter> counters) {
    this.counters = counters;
  }

  /** Starts counting for the v1 cgroup directory; on v2 nothing is registered. */
  static MemoryPressure start(CgroupKernel kernel, Path cgroupDirectory, boolean v2) {
    List<CgroupKernel.PressureCounter> counters = new ArrayList<>();
    if (v2) {
      return new MemoryPressure(counters);
    }
    try {
      for (String level : LEVELS) {
        counters.add(kernel.countPressure(cgroupDirectory, level));
      }
    } catch (LinuxException e) {
      counters.forEach(CgroupKernel.PressureCounter::close);
      if (e.errno() != Errno.ENOENT) {
        throw e;
      }
      if (WARNED.compareAndSet(false, true)) {
        LOG.warn("Not counting memory pressure: {}", e.getMessage());
      }
      return new MemoryPressure(List.of());
    }
    return new MemoryPressure(counters);
  }

  /** Sets the three counters on {@code statistics} (v1 counters, or v2's memory.events). */
  void addTo(ResourceStatistics.Builder statistics, CgroupFs fs, String cgroup, boolean v2) {
    if (v2) {
      Map<String, Long> events = KeyValues.parse(fs.read(cgroup, "memory.events"));
      statistics.setMemLowPressureCounter(events.getOrDefault("low", 0L))
          .setMemMediumPressureCounter(events.getOrDefault("high", 0L))
          .setMemCriticalPressureCounter(events.getOrDefault("max", 0L));
    } else if (counters.size() == LEVELS.size()) {
      statistics.setMemLowPressureCounter(counters.get(0).count())
          .setMemMediumPressureCounter(counters.get(1).count())
          .setMemCriticalPressureCounter(counters.get(2).count());
    }
  }

  @Override
  public void close() {
    counters.forEach(CgroupKernel.PressureCounter::close);
  }
}
