package io.corral.posix.nativeimpl;

import io.corral.posix.Errno;
import io.corral.posix.LinuxException;
import io.corral.posix.cgroup.CgroupKernel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link CgroupKernel} through jnr-ffi. On cgroup v1 an OOM subscription is an eventfd registered
 * in {@code cgroup.event_control}; on v2 (no {@code memory.oom_control}) it is the cgroup's
 * {@code memory.events} file, which the kernel marks with POLLPRI when a counter changes. OOM
 * subscriptions and v1 memory pressure counters ({@code memory.pressure_level} eventfds, whose
 * 8-byte counter is added up at every wake-up) share one daemon notifier thread
 * ({@code corral-cgroup-events}, started with the first subscription) that blocks in poll(2) on
 * every registered eventfd plus a wake-up eventfd; it completes a subscription's stage when its
 * eventfd becomes readable and is the only thread that closes subscription eventfds (so a
 * descriptor is never closed while poll(2) watches it). Thread-safe.
 */
public final class NativeCgroupKernel implements CgroupKernel {
  private static final Logger LOG = LoggerFactory.getLogger(NativeCgroupKernel.class);
  private static final int O_RDONLY = 0;
  private static final int O_DIRECTORY = 0200000;
  private static final int O_CLOEXEC = 02000000;
  private static final int LOCK_EX = 2;
  private static final int LOCK_NB = 4;
  private static final int EFD_CLOEXEC = 02000000;
  private static final int POLLIN = 1;
  private static final int POLLPRI = 2;

  private final LibC libc;
  private final Runtime runtime;
  private final Map<Integer, CompletableFuture<Void>> active = new HashMap<>();
  private final Map<Integer, Integer> pollEvents = new HashMap<>();
  private final List<Integer> closing = new ArrayList<>();
  /** Pressure eventfds: counted at every wake-up, never one-shot. */
  private final Map<Integer, AtomicLong> counters = new HashMap<>();
  private int wakeFd = -1;

  NativeCgroupKernel(LibC libc) {
    this.libc = libc;
    this.runtime = Runtime.getRuntime(libc);
  }

  /** Loads libc; call once per facade. */
  public static NativeCgroupKernel create() {
    return new NativeCgroupKernel(LibraryLoader.create(LibC.class).load("c"));
  }

  @Override
  public void mountV1(Path target, String subsystems) {
    try {
      Files.createDirectories(target);
    } catch (IOException e) {
      throw IoErrors.toLinux("mkdir", target, e);
    }
    while (libc.mount("cgroup", target.toString(), "cgroup", 0, subsystems) < 0) {
      retryOrThrow("mount", "src='cgroup' dst='" + target + "' type='cgroup' data='" + subsystems + "'");
    }
  }

  @Override
  public Lock lockDirectory(Path directory) {
    int fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    while (libc.flock(fd, LOCK_EX | LOCK_NB) < 0) {
      int errno = runtime.getLastError();
      if (errno != Errno.EINTR.code()) {
        libc.close(fd);
        throw exception("flock", errno, "path='" + directory + "' operation=LOCK_EX|LOCK_NB");
      }
    }
    return () -> libc.close(fd);
  }

  @Override
  public OomSubscription subscribeOom(Path cgroupDirectory) {
    Path control = cgroupDirectory.resolve("memory.oom_control");
    if (!Files.exists(control) && Files.exists(cgroupDirectory.resolve("memory.events"))) {
      // cgroup v2: kernfs wakes pollers of memory.events with POLLPRI when a counter changes.
      return register(open(cgroupDirectory.resolve("memory.events"), O_RDONLY | O_CLOEXEC), POLLPRI);
    }
    return register(registerEvent(cgroupDirectory, "memory.oom_control", ""), POLLIN);
  }

  @Override
  public PressureCounter countPressure(Path cgroupDirectory, String level) {
    int efd = registerEvent(cgroupDirectory, "memory.pressure_level", " " + level);
    AtomicLong count = new AtomicLong();
    synchronized (this) {
      startNotifier();
      counters.put(efd, count);
      wake();
    }
    return new PressureCounter() {
      @Override
      public long count() {
        return count.get();
      }

      @Override
      public void close() {
        synchronized (NativeCgroupKernel.this) {
          if (counters.remove(efd) != null) {
            closing.add(efd);
            wake();
          }
        }
      }
    };
  }

  /**
   * A new eventfd registered in the cgroup's {@code cgroup.event_control} for a control file
   * ({@code "<efd> <fd of file><args>"}), as the v1 memory controller wants it.
   */
  private int registerEvent(Path cgroupDirectory, String file, String args) {
    Path control = cgroupDirectory.resolve(file);
    int efd = eventfd();
    int cfd;
    try {
      cfd = open(control, O_RDONLY | O_CLOEXEC);
    } catch (LinuxException e) {
      libc.close(efd);
      throw e;
    }
    Path events = cgroupDirectory.resolve("cgroup.event_control");
    try {
      Files.writeString(events, efd + " " + cfd + args, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      libc.close(efd);
      throw IoErrors.toLinux("write", events, e);
    } finally {
      // The kernel holds its own reference to the control file once registered.
      libc.close(cfd);
    }
    return efd;
  }

  private OomSubscription register(int efd, int events) {
    CompletableFuture<Void> fired = new CompletableFuture<>();
    synchronized (this) {
      startNotifier();
      active.put(efd, fired);
      pollEvents.put(efd, events);
      wake();
    }
    return new OomSubscription() {
      @Override
      public CompletionStage<Void> fired() {
        return fired;
      }

      @Override
      public void close() {
        synchronized (NativeCgroupKernel.this) {
          if (active.remove(efd) != null) {
            pollEvents.remove(efd);
            closing.add(efd);
            wake();
          }
        }
      }
    };
  }

  private void startNotifier() {
    if (wakeFd >= 0) {
      return;
    }
    wakeFd = eventfd();
    Thread thread = new Thread(this::notifyLoop, "corral-cgroup-events");
    thread.setDaemon(true);
    thread.start();
  }

  private void wake() {
    byte[] one = {1, 0, 0, 0, 0, 0, 0, 0};
    if (libc.write(wakeFd, one, 8) < 0) {
      LOG.warn("Failed to wake the cgroup event notifier: errno {}", runtime.getLastError());
    }
  }

  private void notifyLoop() {
    byte[] counter = new byte[8];
    while (true) {
      int[] fds;
      synchronized (this) {
        closing.forEach(libc::close);
        closing.clear();
        fds = new int[2 * (active.size() + counters.size() + 1)];
        fds[0] = wakeFd;
        fds[1] = POLLIN;
        int i = 2;
        for (int fd : active.keySet()) {
          fds[i++] = fd;
          fds[i++] = pollEvents.getOrDefault(fd, POLLIN);
        }
        for (int fd : counters.keySet()) {
          fds[i++] = fd;
          fds[i++] = POLLIN;
        }
      }
      if (libc.poll(fds, fds.length / 2, -1) < 0) {
        int errno = runtime.getLastError();
        if (errno != Errno.EINTR.code()) {
          LOG.error("Failed to poll cgroup eventfds: {}", Errno.of(errno));
          return;
        }
        continue;
      }
      for (int i = 0; i < fds.length; i += 2) {
        if ((fds[i + 1] >>> 16) == 0) {
          continue;
        }
        long events = libc.read(fds[i], counter, 8) == 8 ? littleEndian(counter) : 0;
        if (i > 0) {
          AtomicLong count;
          synchronized (this) {
            count = counters.get(fds[i]);
          }
          if (count != null) {
            count.addAndGet(events);
            continue;
          }
          CompletableFuture<Void> fired;
          synchronized (this) {
            fired = active.remove(fds[i]);
            if (fired != null) {
              pollEvents.remove(fds[i]);
              closing.add(fds[i]);
            }
          }
          if (fired != null) {
            fired.complete(null);
          }
        }
      }
    }
  }

  private static long littleEndian(byte[] bytes) {
    long value = 0;
    for (int b = 7; b >= 0; b--) {
      value = (value << 8) | (bytes[b] & 0xff);
    }
    return value;
  }

  private int eventfd() {
    int fd;
    while ((fd = libc.eventfd(0, EFD_CLOEXEC)) < 0) {
      retryOrThrow("eventfd", "flags=EFD_CLOEXEC");
    }
    return fd;
  }

  private int open(Path path, int flags) {
    int fd;
    while ((fd = libc.open(path.toString(), flags)) < 0) {
      retryOrThrow("open", "path='" + path + "'");
    }
    return fd;
  }

  private void retryOrThrow(String syscall, String detail) {
    int errno = runtime.getLastError();
    if (errno != Errno.EINTR.code()) {
      throw exception(syscall, errno, detail);
    }
  }

  private static LinuxException exception(String syscall, int errno, String detail) {
    Errno e = Errno.of(errno);
    return new LinuxException(syscall, e, e == Errno.UNKNOWN ? detail + " errno=" + errno : detail);
  }
}
