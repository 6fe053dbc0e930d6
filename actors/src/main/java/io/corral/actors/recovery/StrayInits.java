package io.corral.actors.recovery;

import io.corral.actors.Layout;
import io.corral.posix.Linux;
import io.corral.posix.LinuxException;
import io.corral.posix.ProcStat;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The orphan corral-init processes a recovery kills (see {@link Recovery}). Blocking; runs on
 * the recovery's thread.
 */
final class StrayInits {
  private StrayInits() {}

  private static final Logger LOG = LoggerFactory.getLogger(StrayInits.class);
  private static final String INIT_COMM = "corral-init";
  private static final int SIGKILL = 9;
  private static final long STRAY_EXIT_TIMEOUT_NANOS = 5_000_000_000L;

  /**
   * Kills every corral-init process that holds a file under our sandboxes or runtime
   * directories (its status file, the command's stdout or stderr) and is not the init or helper
   * of an adopted container: the init of a launch cut short, or of a container whose
   * checkpoints were lost. Its whole session goes with it when it has no pid namespace.
   */
  static void kill(Linux linux, Layout paths, List<Recovery.Found> found) {
    if (linux == null) {
      return;
    }
    Set<Integer> explained = new HashSet<>();
    found.forEach(f -> f.adopted().ifPresent(c -> {
      explained.add(c.initPid());
      explained.add(c.helperPid());
    }));
    String runtimeRoot = paths.runtimes() + "/";
    String sandboxRoot = paths.sandboxes() + "/";
    Set<Integer> killed = new HashSet<>();
    try {
      List<ProcStat> all = linux.proc().processes();
      for (ProcStat p : all) {
        if (!INIT_COMM.equals(p.comm()) || explained.contains(p.pid()) || p.state() == 'Z') {
          continue;
        }
        Optional<String> held = linux.proc().openFiles(p.pid()).stream()
            .filter(f -> f.startsWith(runtimeRoot) || f.startsWith(sandboxRoot)).findFirst();
        if (held.isPresent()) {
          LOG.warn("Killing orphan corral-init process {} (it holds '{}')", p.pid(), held.get());
          kill(linux, p.pid(), killed);
          for (ProcStat q : all) {
            if (q.session() == p.pid() && q.pid() != p.pid()) {
              kill(linux, q.pid(), killed);
            }
          }
        }
      }
      long deadline = System.nanoTime() + STRAY_EXIT_TIMEOUT_NANOS;
      while (!killed.isEmpty() && System.nanoTime() < deadline) {
        killed.removeIf(pid -> linux.proc().stat(pid).map(s -> s.state() == 'Z').orElse(true));
        LockSupport.parkNanos(1_000_000);
      }
    } catch (LinuxException e) {
      LOG.error("Failed to look for orphan corral-init processes: {}", e.getMessage());
    }
  }

  private static void kill(Linux linux, int pid, Set<Integer> killed) {
    try {
      linux.processes().kill(pid, SIGKILL);
      killed.add(pid);
    } catch (LinuxException e) {
      LOG.debug("Failed to kill orphan process {}: {}", pid, e.getMessage());
    }
  }

}
