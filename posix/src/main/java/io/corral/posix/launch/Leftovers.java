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
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The processes of one container without a pid namespace, found by their links to its init
 * (ppid chains, and the session the init's pid names), and the status file its init writes:
 * shared by a freshly forked container and one adopted after an agent restart. Called from
 * blocking threads only; thread-safe.
 */
final class Leftovers {
  private static final Logger LOG = LoggerFactory.getLogger(Leftovers.class);
  private static final int SIGKILL = 9;
  private static final long SESSION_REAP_TIMEOUT_NANOS = 5_000_000_000L;

  private final int initPid;
  private final Processes processes;
  private final ProcFs proc;
  /** Pids killed by {@link #kill}: "exited" waits until they are reaped. */
  private final Set<Integer> doomed = ConcurrentHashMap.newKeySet();

  Leftovers(int initPid, Processes processes, ProcFs proc) {
    this.initPid = initPid;
    this.processes = processes;
    this.proc = proc;
  }

  /**
   * Without a pid namespace nothing kills the command's leftovers when the init dies, so every
   * live descendant of the init (through ppid links: a process that left the session with
   * setsid is still one) and every process of its session (setsid made the init's pid its id)
   * gets SIGKILL, pass after pass, until a pass finds none: a process forked meanwhile is caught
   * by the next one. The init itself is left to the caller.
   */
  void kill() {
    for (int pass = 0; ; pass++) {
      boolean found = false;
      List<ProcStat> all = proc.processes();
      Set<Integer> tree = new HashSet<>(List.of(initPid));
      for (boolean grown = true; grown; ) {
        grown = false;
        for (ProcStat p : all) {
          if (!tree.contains(p.pid()) && (tree.contains(p.ppid()) || p.session() == initPid)) {
            grown = tree.add(p.pid());
          }
        }
      }
      for (ProcStat p : all) {
        if (p.pid() != initPid && tree.contains(p.pid()) && p.state() != 'Z' && p.state() != 'X') {
          found = true;
          doomed.add(p.pid());
          try {
            processes.kill(p.pid(), SIGKILL);
          } catch (LinuxException e) {
            if (e.errno() != Errno.ESRCH) {
              throw e;
            }
          }
        }
      }
      if (!found) {
        return;
      }
      if (pass > 0) { // killed processes need a moment to become zombies
        LockSupport.parkNanos(1_000_000);
      }
    }
  }

  /**
   * Zombies of a killed init's tree are reparented to the host's init, which reaps them on its
   * own time; wait (bounded) until they are gone — every process of the session and every one
   * {@link #kill} killed, in another session too — so that "exited" means no process is left.
   */
  void awaitReaped() {
    long deadline = System.nanoTime() + SESSION_REAP_TIMEOUT_NANOS;
    while (proc.processes().stream().anyMatch(p -> p.session() == initPid || doomed.contains(p.pid()))) {
      if (System.nanoTime() > deadline) {
        LOG.warn("Processes of the container of init {} are still not reaped", initPid);
        return;
      }
      LockSupport.parkNanos(1_000_000);
    }
  }

  /** The command's raw wait status as the init recorded it in {@code statusPath}, if it did. */
  static OptionalInt readStatus(Path statusPath) {
    try {
      String text = Files.readString(statusPath).trim();
      return text.isEmpty() ? OptionalInt.empty() : OptionalInt.of(Integer.parseInt(text));
    } catch (NoSuchFileException e) {
      return OptionalInt.empty();
    } catch (IOException | NumberFormatException e) {
      LOG.warn("Failed to read the status file '{}': {}", statusPath, e.toString());
      return OptionalInt.empty();
    }
  }
}
