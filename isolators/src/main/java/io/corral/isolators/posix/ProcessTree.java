package io.corral.isolators.posix;

import io.corral.posix.ProcFs;
import io.corral.posix.ProcStat;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A process and all its descendants, found through the ppid links of ONE snapshot of the process
 * table (Mesos' {@code os::pstree}). A process that daemonized out of the tree (reparented to a
 * subreaper outside it) is not counted, as in Mesos; exited and reaped children no longer count
 * either. Immutable.
 *
 * @param processes the root first, then its descendants breadth-first
 */
public record ProcessTree(List<ProcStat> processes) {

  /** The tree under {@code root} in a fresh snapshot of {@code /proc}, or empty if root is gone. */
  public static Optional<ProcessTree> snapshot(ProcFs proc, int root) {
    return of(proc.processes(), root);
  }

  /** The tree under {@code root} in a given snapshot, or empty if root is not in it. */
  public static Optional<ProcessTree> of(List<ProcStat> snapshot, int root) {
    Map<Integer, ProcStat> byPid = new HashMap<>();
    Map<Integer, List<ProcStat>> children = new HashMap<>();
    for (ProcStat p : snapshot) {
      byPid.put(p.pid(), p);
      children.computeIfAbsent(p.ppid(), k -> new ArrayList<>()).add(p);
    }
    if (!byPid.containsKey(root)) {
      return Optional.empty();
    }
    List<ProcStat> tree = new ArrayList<>();
    Set<Integer> seen = new HashSet<>();
    Deque<ProcStat> queue = new ArrayDeque<>(List.of(byPid.get(root)));
    while (!queue.isEmpty()) {
      ProcStat p = queue.poll();
      if (seen.add(p.pid())) {
        tree.add(p);
        queue.addAll(children.getOrDefault(p.pid(), List.of()));
      }
    }
    return Optional.of(new ProcessTree(List.copyOf(tree)));
  }

  public long utimeTicks() {
    return processes.stream().mapToLong(ProcStat::utimeTicks).sum();
  }

  public long stimeTicks() {
    return processes.stream().mapToLong(ProcStat::stimeTicks).sum();
  }

  public long rssPages() {
    return processes.stream().mapToLong(ProcStat::rssPages).sum();
  }
}
