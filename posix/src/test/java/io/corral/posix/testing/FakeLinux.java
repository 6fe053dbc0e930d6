package io.corral.posix.testing;

import io.corral.posix.Errno;
import io.corral.posix.Linux;
import io.corral.posix.LinuxException;
import io.corral.posix.ProcStat;
import io.corral.posix.cgroup.CgroupFs;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An in-memory kernel for unit tests (no root, no real processes): a scripted process table
 * (read through {@link FakeProcFs}, signalled through {@link FakeProcesses}), cgroup hierarchies
 * over an in-memory tree ({@link FakeCgroupFs}), an ordered log of every call with an effect, and
 * scripted faults. The cgroup kernel verbs (mount, directory locks, OOM eventfds) are
 * {@link FakeCgroupKernel}.
 *
 * <p>Calls are recorded as {@code <syscall> <detail>}, e.g. {@code kill pid=42 signal=9},
 * {@code mkdir path='/sys/fs/cgroup/pids/x'}, {@code write path='/sys/fs/cgroup/pids/x/pids.max'
 * value='5'}. Faults: {@link #failNext(String, Errno)} fails the next call of that syscall
 * ({@code kill}, {@code pidfd_open}, {@code pidfd_send_signal}, {@code close}, {@code mkdir},
 * {@code rmdir}, {@code write}, {@code read}, and {@code proc} for ProcFs reads) once;
 * {@link #failOn(Path, Errno)} fails every call on that exact path (a cgroup directory or control
 * file) until {@link #clearFaults()}. A failed call is still recorded. The XFS quota verbs
 * ({@code statfs}, {@code ioctl FS_IOC_FSGETXATTR}, {@code ioctl FS_IOC_FSSETXATTR},
 * {@code quotactl Q_XGETQSTAT|Q_XSETQLIM|Q_XGETQUOTA}) are {@link FakeQuotas}, over XFS file
 * systems declared with {@link #xfs}.
 *
 * <p>Thread-safe: every method synchronizes on this object, so isolators may call it from
 * several threads as they do on the agent's blocking dispatcher.
 */
public final class FakeLinux {
  private final Map<Integer, ProcStat> processes = new LinkedHashMap<>();
  private final List<String> calls = new ArrayList<>();
  private final Map<Integer, List<String>> openFiles = new HashMap<>();
  private final Map<String, Deque<Errno>> nextFaults = new HashMap<>();
  private final Map<Path, Errno> pathFaults = new HashMap<>();
  private final Map<Path, FakeCgroupFs> hierarchies = new HashMap<>();
  private final Map<Path, Map<String, String>> extraFiles = new HashMap<>();
  private final java.util.Set<Path> unmounted = new java.util.HashSet<>();
  private final FakeCgroupKernel cgroupKernel = new FakeCgroupKernel(this);
  private final FakeQuotas quotas = new FakeQuotas(this);
  private final FakeProcesses fakeProcesses = new FakeProcesses(this);
  private final Linux linux;
  private int pid = 1000;
  private int euid = 0;
  private long clockTicks = 100;
  private long pageSize = 4096;

  public FakeLinux() {
    this.linux = new Linux(fakeProcesses, new FakeProcFs(this), this::hierarchy,
        cgroupKernel, quotas);
  }

  /** The fake as the facade the code under test takes. */
  public Linux linux() {
    return linux;
  }

  /** Adds a process with pgrp = its pid and comm {@code proc<pid>}; returns this for chaining. */
  public FakeLinux addProcess(int pid, int ppid, int session, long utimeTicks, long stimeTicks,
      long rssPages) {
    return addProcess(new ProcStat(pid, ppid, pid, session, 'S', "proc" + pid, utimeTicks,
        stimeTicks, rssPages));
  }

  /** Adds (or replaces) a process exactly as given. */
  public synchronized FakeLinux addProcess(ProcStat stat) {
    processes.put(stat.pid(), stat);
    return this;
  }

  /**
   * Removes a process, as its exit and reaping would: it leaves every cgroup, and its children
   * are reparented to pid 1, as the kernel does when no subreaper is in between.
   */
  public synchronized void removeProcess(int pid) {
    processes.remove(pid);
    fakeProcesses.exited(pid); // completes onExit futures
    hierarchies.values().forEach(h -> h.forget(pid));
    processes.replaceAll((child, p) -> p.ppid() != pid ? p : new ProcStat(p.pid(), 1, p.pgrp(),
        p.session(), p.state(), p.comm(), p.utimeTicks(), p.stimeTicks(), p.rssPages(), p.startTicks()));
  }

  /** Sets what {@code /proc/<pid>/fd} of a process points to. */
  public synchronized FakeLinux openFiles(int pid, String... files) {
    openFiles.put(pid, List.of(files));
    return this;
  }

  synchronized List<String> openFiles(int pid) {
    return openFiles.getOrDefault(pid, List.of());
  }

  public synchronized boolean hasProcess(int pid) {
    return processes.containsKey(pid);
  }

  /** What {@code getpid()} and {@code geteuid()} return (defaults 1000 and 0, i.e. root). */
  public synchronized FakeLinux identity(int pid, int euid) {
    this.pid = pid;
    this.euid = euid;
    return this;
  }

  /** What ProcFs reports for sysconf (defaults 100 and 4096). */
  public synchronized FakeLinux sysconf(long clockTicks, long pageSize) {
    this.clockTicks = clockTicks;
    this.pageSize = pageSize;
    return this;
  }

  /** Adds a control file (with its default value) to every cgroup of the hierarchy at root. */
  public synchronized FakeLinux cgroupFile(Path root, String file, String defaultValue) {
    extraFiles.computeIfAbsent(root, r -> new LinkedHashMap<>()).put(file, defaultValue);
    if (hierarchies.containsKey(root)) {
      hierarchies.get(root).addFile(file, defaultValue);
    }
    return this;
  }

  /**
   * Marks a hierarchy as not mounted: every cgroup call under it fails with ENOENT until a
   * {@code mountV1} of that root.
   */
  public synchronized FakeLinux unmounted(Path root) {
    unmounted.add(root);
    return this;
  }

  /**
   * Sets what a control file of one cgroup reads (kernel-maintained counters such as
   * {@code memory.stat} or {@code cpuacct.stat}), without validation or a recorded call.
   */
  public synchronized FakeLinux cgroupState(Path root, String cgroup, String file, String content) {
    ((FakeCgroupFs) hierarchy(root)).set(cgroup, file, content);
    return this;
  }

  /** Signals the OOM eventfd of a memory cgroup directory; false when nobody listens. */
  public boolean oom(Path cgroupDirectory) {
    return cgroupKernel.fire(cgroupDirectory);
  }

  /** Signals memory pressure events of a level to a memory cgroup directory; false when nobody counts. */
  public boolean pressure(Path cgroupDirectory, String level, long events) {
    return cgroupKernel.pressure(cgroupDirectory, level, events);
  }

  /** Whether a directory lock is held. */
  public synchronized boolean isLocked(Path directory) {
    return cgroupKernel.isLocked(directory);
  }

  /**
   * Declares an XFS file system mounted at {@code mountPoint} (an existing directory) from
   * {@code device} with these super options ({@code rw,prjquota} for project quota on); see
   * {@link FakeQuotas} for how the quota verbs behave on it.
   */
  public FakeLinux xfs(Path mountPoint, Path device, String superOptions) {
    quotas.declare(mountPoint, device, superOptions);
    return this;
  }

  /** Makes every quotactl on {@code device} fail with errno (ENOSYS: no quota in the kernel). */
  public FakeLinux quotaUnsupported(Path device, Errno errno) {
    quotas.unsupported(device, errno);
    return this;
  }

  /**
   * Charges {@code bytes} written to {@code path} (created empty when missing) to its project, as
   * the kernel does on a write;
   * throws {@code LinuxException("write", ENOSPC)} past the project's enforced hard limit.
   */
  public void charge(Path path, long bytes) {
    quotas.charge(path, bytes);
  }

  /** Fails the next call of this syscall with errno (queued: two calls fail the next two). */
  public synchronized void failNext(String syscall, Errno errno) {
    nextFaults.computeIfAbsent(syscall, s -> new ArrayDeque<>()).add(errno);
  }

  /** Fails every call on this exact path with errno until {@link #clearFaults()}. */
  public synchronized void failOn(Path path, Errno errno) {
    pathFaults.put(path, errno);
  }

  public synchronized void clearFaults() {
    nextFaults.clear();
    pathFaults.clear();
  }

  /** Every recorded call so far, in order. */
  public synchronized List<String> calls() {
    return List.copyOf(calls);
  }

  // ---- used by the fake roles (same package) ----

  synchronized void record(String call) {
    calls.add(call);
  }

  synchronized void mounted(Path root) {
    unmounted.remove(root);
  }

  /** Throws the scripted fault for this call, if any. */
  synchronized void check(String syscall, Path path, String detail) {
    if (path != null && unmounted.stream().anyMatch(path::startsWith)) {
      throw new LinuxException(syscall, Errno.ENOENT, detail);
    }
    Deque<Errno> queued = nextFaults.get(syscall);
    if (queued != null && !queued.isEmpty()) {
      throw new LinuxException(syscall, queued.poll(), detail);
    }
    if (path != null && pathFaults.containsKey(path)) {
      throw new LinuxException(syscall, pathFaults.get(path), detail);
    }
  }

  synchronized Map<Integer, ProcStat> table() {
    return processes;
  }

  synchronized Optional<ProcStat> process(int pid) {
    return Optional.ofNullable(processes.get(pid));
  }

  synchronized int pid() {
    return pid;
  }

  synchronized int euid() {
    return euid;
  }

  synchronized long clockTicks() {
    return clockTicks;
  }

  synchronized long pageSize() {
    return pageSize;
  }

  synchronized CgroupFs hierarchy(Path root) {
    return hierarchies.computeIfAbsent(root, r -> new FakeCgroupFs(this, r,
        extraFiles.getOrDefault(r, Map.of())));
  }
}
