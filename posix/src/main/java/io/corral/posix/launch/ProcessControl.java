package io.corral.posix.launch;

import io.corral.posix.Errno;
import io.corral.posix.LinuxException;
import io.corral.posix.ProcFs;
import io.corral.posix.ProcStat;
import io.corral.posix.Processes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process verbs {@link PosixLauncher} needs after the start, in two forms: {@link #linux}
 * through the kernel facade ({@code kill(2)}, pidfds, {@code /proc}: the container's session is
 * found even after the processes in it were orphaned), and {@link #jdk} through
 * {@link ProcessHandle} alone (any POSIX system: the process tree by parent links while it is
 * connected, signals other than TERM and KILL through the {@code kill} command). Any thread.
 */
abstract class ProcessControl {
  static final int SIGKILL = 9;
  private static final int SIGTERM = 15;

  /** Sends {@code signal} to {@code pid}; a process that is already gone is no error. */
  abstract void signal(long pid, int signal);

  /**
   * Kills the init and every process of its tree (and of its session, where known). The handle
   * knows the init's start time, so a pid reused after its exit is never signalled as the init.
   */
  abstract void killAll(ProcessHandle init);

  /** Returns once the processes {@link #killAll} found are gone (bounded wait, logged). */
  abstract void awaitGone(ProcessHandle init);

  /**
   * Completes once {@code pid} has exited, for a process this JVM did not start; empty when it
   * is gone already or names a process started at another time than {@code startTicks}.
   */
  abstract Optional<CompletableFuture<Void>> adopt(int pid, long startTicks, Executor executor);

  /** How the tree is found, for the start log. */
  abstract String describe();

  /** The direct children of {@code pid} (the command under its shell). */
  static List<ProcessHandle> children(long pid) {
    return ProcessHandle.of(pid).map(h -> h.children().toList()).orElse(List.of());
  }

  static ProcessControl linux(Processes processes, ProcFs proc) {
    return new Linux(processes, proc);
  }

  static ProcessControl jdk() {
    return new Jdk();
  }

  /** Through the kernel facade; the tree and session walk is {@link Leftovers}'. */
  private static final class Linux extends ProcessControl {
    private final Processes processes;
    private final ProcFs proc;
    private final java.util.Map<Integer, Leftovers> trees = new java.util.concurrent.ConcurrentHashMap<>();

    Linux(Processes processes, ProcFs proc) {
      this.processes = processes;
      this.proc = proc;
    }

    @Override
    void signal(long pid, int signal) {
      try {
        processes.kill((int) pid, signal);
      } catch (LinuxException e) {
        if (e.errno() != Errno.ESRCH) {
          throw e;
        }
      }
    }

    @Override
    void killAll(ProcessHandle init) {
      int initPid = (int) init.pid();
      Leftovers tree = trees.computeIfAbsent(initPid, pid -> new Leftovers(pid, processes, proc));
      tree.kill();
      if (init.isAlive()) {
        signal(initPid, SIGKILL);
        tree.kill(); // what the init forked between the walk and its death
      }
    }

    @Override
    void awaitGone(ProcessHandle init) {
      Leftovers tree = trees.remove((int) init.pid());
      if (tree != null) {
        tree.awaitReaped();
      }
    }

    @Override
    Optional<CompletableFuture<Void>> adopt(int pid, long startTicks, Executor executor) {
      int pidfd;
      try {
        pidfd = processes.pidfdOpen(pid);
      } catch (LinuxException e) {
        if (e.errno() == Errno.ESRCH) {
          return Optional.empty();
        }
        throw new LaunchException("init", e.errno(), "Failed to open a pidfd for '" + pid + "': " + e.getMessage());
      }
      Optional<ProcStat> stat = proc.stat(pid); // after the pidfd: a later reuse cannot pass
      if (stat.isEmpty() || stat.get().startTicks() != startTicks || stat.get().state() == 'Z') {
        processes.close(pidfd);
        return Optional.empty();
      }
      return Optional.of(processes.onExit(pidfd).thenRunAsync(() -> processes.close(pidfd), executor));
    }

    @Override
    String describe() {
      return "its session and process tree from /proc";
    }
  }

  /** Through {@link ProcessHandle}: what a JDK alone can do on any POSIX system. */
  static final class Jdk extends ProcessControl {
    private static final Logger LOG = LoggerFactory.getLogger(Jdk.class);
    private static final long GONE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);
    private final java.util.Map<Integer, List<ProcessHandle>> killed = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    void signal(long pid, int signal) {
      Optional<ProcessHandle> handle = ProcessHandle.of(pid);
      if (handle.isEmpty()) {
        return;
      }
      if (signal == SIGKILL) {
        handle.get().destroyForcibly();
        return;
      }
      if (signal == SIGTERM) {
        handle.get().destroy();
        return;
      }
      try {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        kill.waitFor();
      } catch (IOException e) {
        throw new LaunchException("signal", null, "Failed to run 'kill -" + signal + " " + pid + "': " + e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    /** Pass after pass, until a pass finds none: a process forked meanwhile is caught by the next. */
    @Override
    void killAll(ProcessHandle init) {
      List<ProcessHandle> all = killed.computeIfAbsent((int) init.pid(),
          pid -> new java.util.concurrent.CopyOnWriteArrayList<>());
      for (int pass = 0; ; pass++) {
        List<ProcessHandle> found = new ArrayList<>();
        if (init.isAlive()) {
          found.addAll(init.descendants().toList());
          found.add(init);
        }
        found.removeIf(h -> !h.isAlive());
        if (found.isEmpty()) {
          return;
        }
        found.forEach(ProcessHandle::destroyForcibly);
        all.addAll(found);
        if (pass > 0) {
          LockSupport.parkNanos(1_000_000);
        }
      }
    }

    @Override
    void awaitGone(ProcessHandle init) {
      long initPid = init.pid();
      List<ProcessHandle> all = killed.remove((int) initPid);
      long deadline = System.nanoTime() + GONE_TIMEOUT_NANOS;
      while (all != null && all.stream().anyMatch(Jdk::running)) {
        if (System.nanoTime() > deadline) {
          LOG.warn("Processes of the container of init {} are still alive", initPid);
          return;
        }
        LockSupport.parkNanos(1_000_000);
      }
    }

    /**
     * Alive and not a zombie. A killed process whose parent died is reaped by the host's init,
     * which may be slow to do it (or never do it in a container whose pid 1 does not reap); its
     * resources are released at death, so it counts as gone. {@link ProcessHandle#isAlive} is
     * true for a zombie; where {@code /proc} exists its state is read, elsewhere a zombie counts
     * as alive (the wait stays bounded).
     */
    static boolean running(ProcessHandle handle) {
      if (!handle.isAlive()) {
        return false;
      }
      try {
        String stat = Files.readString(Path.of("/proc", Long.toString(handle.pid()), "stat"));
        int end = stat.lastIndexOf(')');
        return end < 0 || end + 2 >= stat.length() || stat.charAt(end + 2) != 'Z';
      } catch (NoSuchFileException e) {
        return !Files.isDirectory(Path.of("/proc/self")); // gone meanwhile where /proc exists
      } catch (IOException e) {
        return true;
      }
    }

    /** Without {@code /proc} no start time is known: the pid alone is checked. */
    @Override
    Optional<CompletableFuture<Void>> adopt(int pid, long startTicks, Executor executor) {
      return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
          .map(h -> h.onExit().thenRunAsync(() -> { }, executor));
    }

    @Override
    String describe() {
      return "its process tree from the JDK's ProcessHandle";
    }
  }
}
