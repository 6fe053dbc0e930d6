package io.corral.posix.testing;

import io.corral.posix.Errno;
import io.corral.posix.LinuxException;
import io.corral.posix.cgroup.CgroupKernel;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@link CgroupKernel} of {@link FakeLinux}: a mount makes a hierarchy marked with
 * {@link FakeLinux#unmounted} readable; directory locks are exclusive per path (EAGAIN for a
 * second holder); OOM subscriptions fire when a test calls {@link FakeLinux#oom}, pressure counters
 * count what {@link FakeLinux#pressure} signals. Calls are
 * recorded as {@code mount dst='...' data='net_cls'}, {@code flock path='...'} and
 * {@code subscribe_oom path='...'}, and take the scripted faults of those names. Thread-safe
 * through the FakeLinux lock.
 */
final class FakeCgroupKernel implements CgroupKernel {
  private final FakeLinux kernel;
  private final Set<Path> locked = new HashSet<>();
  private final Map<Path, CompletableFuture<Void>> subscriptions = new HashMap<>();

  FakeCgroupKernel(FakeLinux kernel) {
    this.kernel = kernel;
  }

  @Override
  public void mountV1(Path target, String subsystems) {
    synchronized (kernel) {
      String detail = "dst='" + target + "' data='" + subsystems + "'";
      kernel.record("mount " + detail);
      kernel.check("mount", null, detail);
      kernel.mounted(target);
    }
  }

  @Override
  public Lock lockDirectory(Path directory) {
    synchronized (kernel) {
      String detail = "path='" + directory + "'";
      kernel.record("flock " + detail);
      kernel.check("flock", directory, detail);
      if (!locked.add(directory)) {
        throw new LinuxException("flock", Errno.EAGAIN, detail + " operation=LOCK_EX|LOCK_NB");
      }
    }
    return () -> {
      synchronized (kernel) {
        locked.remove(directory);
      }
    };
  }

  @Override
  public OomSubscription subscribeOom(Path cgroupDirectory) {
    CompletableFuture<Void> fired = new CompletableFuture<>();
    synchronized (kernel) {
      String detail = "path='" + cgroupDirectory + "'";
      kernel.record("subscribe_oom " + detail);
      kernel.check("subscribe_oom", cgroupDirectory, detail);
      subscriptions.put(cgroupDirectory, fired);
    }
    return new OomSubscription() {
      @Override
      public CompletionStage<Void> fired() {
        return fired;
      }

      @Override
      public void close() {
        synchronized (kernel) {
          subscriptions.remove(cgroupDirectory, fired);
        }
      }
    };
  }

  private final Map<String, java.util.concurrent.atomic.AtomicLong> pressure = new HashMap<>();

  @Override
  public PressureCounter countPressure(Path cgroupDirectory, String level) {
    java.util.concurrent.atomic.AtomicLong count = new java.util.concurrent.atomic.AtomicLong();
    String key = cgroupDirectory + " " + level;
    synchronized (kernel) {
      String detail = "path='" + cgroupDirectory + "' level='" + level + "'";
      kernel.record("count_pressure " + detail);
      kernel.check("count_pressure", cgroupDirectory, detail);
      pressure.put(key, count);
    }
    return new PressureCounter() {
      @Override
      public long count() {
        return count.get();
      }

      @Override
      public void close() {
        synchronized (kernel) {
          pressure.remove(key, count);
        }
      }
    };
  }

  /** Signals {@code events} pressure events of a level; false when nobody counts them. */
  boolean pressure(Path cgroupDirectory, String level, long events) {
    java.util.concurrent.atomic.AtomicLong count;
    synchronized (kernel) {
      count = pressure.get(cgroupDirectory + " " + level);
    }
    if (count != null) {
      count.addAndGet(events);
    }
    return count != null;
  }

  boolean isLocked(Path directory) {
    return locked.contains(directory);
  }

  /** Completes the subscription of that cgroup, outside the lock; false when there is none. */
  boolean fire(Path cgroupDirectory) {
    CompletableFuture<Void> fired;
    synchronized (kernel) {
      fired = subscriptions.remove(cgroupDirectory);
    }
    return fired != null && fired.complete(null);
  }
}
