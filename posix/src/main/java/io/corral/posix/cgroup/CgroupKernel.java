package io.corral.posix.cgroup;

import java.nio.file.Path;
import java.util.concurrent.CompletionStage;

/**
 * The cgroup verbs that are not plain file I/O under a hierarchy ({@link CgroupFs} does that):
 * mounting a v1 hierarchy, holding an exclusive lock on a cgroup directory, and listening for a
 * memory cgroup's OOM events through eventfd(2) and {@code cgroup.event_control}.
 *
 * <p>Threading: every method may be called from any thread and blocks only for its system
 * calls. An OOM subscription's stage completes on the implementation's notifier thread, so
 * callbacks on it must be short (read a few control files, complete a future). Failures are
 * {@link io.corral.posix.LinuxException}s naming the call, errno and path.
 */
public interface CgroupKernel {

  /** An exclusive lock held until closed (or until the process dies). */
  interface Lock extends AutoCloseable {
    @Override
    void close();
  }

  /** A registration for OOM events of one memory cgroup; close it before removing the cgroup. */
  interface OomSubscription extends AutoCloseable {
    /** Completes at the first event; never completes after {@link #close()}. */
    CompletionStage<Void> fired();

    @Override
    void close();
  }

  /**
   * A registration for the v1 memory pressure events of one level ({@code low}, {@code medium}
   * or {@code critical}) of one memory cgroup; the kernel's notifications are counted until it
   * is closed. Close it before removing the cgroup.
   */
  interface PressureCounter extends AutoCloseable {
    /** How many events of this level the kernel has signalled since the registration. */
    long count();

    @Override
    void close();
  }

  /**
   * Registers an eventfd for {@code memory.pressure_level} at {@code level} (v1 only, as Mesos'
   * {@code cgroups::memory::pressure::Counter}): ENOENT when the kernel has no such file.
   */
  PressureCounter countPressure(Path cgroupDirectory, String level);

  /** mount(2) of a cgroup v1 hierarchy with these subsystems; creates the target directory. */
  void mountV1(Path target, String subsystems);

  /**
   * flock(2) {@code LOCK_EX|LOCK_NB} on a directory; {@code EAGAIN} when another open file
   * (another agent, or another owner in this process) holds it.
   */
  Lock lockDirectory(Path directory);

  /**
   * Registers an eventfd for the {@code memory.oom_control} of the v1 memory cgroup at
   * {@code cgroupDirectory}, or on v2 polls its {@code memory.events} (which fires on any of its
   * counters: check {@code oom_kill} and subscribe again). NOTE: the kernel also signals the v1
   * eventfd when the cgroup is removed, so close the subscription first.
   */
  OomSubscription subscribeOom(Path cgroupDirectory);
}
