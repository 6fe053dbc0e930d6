package io.corral.isolators.posix;

import io.corral.posix.ProcessTable;
import io.corral.posix.ProcessUsage;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * A process and all its descendants, found through the ppid links of ONE snapshot of the process
 * table (Mesos' {@code os::pstree}). A process that daemonized out of the tree (reparented to a
 * subreaper outside it) is not counted, as in Mesos; exited and reaped children no longer count
 * either. Immutable.
 *
 * @param processes the root first, then its descendants breadth-first
 */
public record ProcessTree(List<ProcessUsage> processes) {

  /** The tree under {@code root} in a fresh snapshot of the table, or empty if root is gone. */
  public static Optional<ProcessTree> snapshot(ProcessTable table, int root) {
    return of(table.processes(), root);
  }

  /** The tree under {@code root} in a given snapshot, or empty if root is not in it. */
  public static Optional<ProcessTree> of(List<ProcessUsage> snapshot, int root) {
    Map<Integer, ProcessUsage> byPid = new HashMap<>();
    Map<Integer, List<ProcessUsage>> children = new HashMap<>();
    for (ProcessUsage p : snapshot) {
      byPid.put(p.pid(), p);
      children.computeIfAbsent(p.ppid(), k -> new ArrayList<>()).add(p);
    }
    if (!byPid.containsKey(root)) {
      return Optional.empty();
    }
    List<ProcessUsage> tree = new ArrayList<>();
    Set<Integer> seen = new HashSet<>();
    Deque<ProcessUsage> queue = new ArrayDeque<>(List.of(byPid.get(root)));
    while (!queue.isEmpty()) {
      ProcessUsage p = queue.poll();
      if (seen.add(p.pid())) {
        tree.add(p);
        queue.addAll(children.getOrDefault(p.pid(), List.of()));
      }
    }
    return Optional.of(new ProcessTree(List.copyOf(tree)));
  }

  /** User plus system cpu time of the tree, in nanoseconds. */
  public long cpuNanos() {
    return processes.stream().mapToLong(ProcessUsage::cpuNanos).sum();
  }

  /** The user part of {@link #cpuNanos}, where every process's is known. */
  public OptionalLong userCpuNanos() {
    if (processes.stream().anyMatch(p -> p.userCpuNanos().isEmpty())) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(processes.stream().mapToLong(p -> p.userCpuNanos().getAsLong()).sum());
  }

  public long rssBytes() {
    return processes.stream().mapToLong(ProcessUsage::rssBytes).sum();
  }
}
