package io.corral.isolators.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.posix.ProcessUsage;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ProcessTreeTest {
  private static ProcessUsage p(int pid, int ppid, long utime) {
    return new ProcessUsage(pid, ppid, utime + 1, OptionalLong.of(utime), 1);
  }

  @Test
  void walksAllDescendantsThroughPpidLinks() {
    // 10 -> 11 -> 12 -> 13, 10 -> 14; 20 is a sibling of 10 and 21 its child: not in the tree.
    List<ProcessUsage> snapshot = List.of(p(13, 12, 1000), p(20, 1, 7), p(10, 1, 1), p(11, 10, 10),
        p(21, 20, 7), p(12, 11, 100), p(14, 10, 10000));
    ProcessTree tree = ProcessTree.of(snapshot, 10).orElseThrow();
    assertEquals(List.of(10, 11, 14, 12, 13), tree.processes().stream().map(ProcessUsage::pid).toList());
    assertEquals(OptionalLong.of(11111), tree.userCpuNanos());
    assertEquals(11116, tree.cpuNanos());
    assertEquals(5, tree.rssBytes());
  }

  @Test
  void aProcessWithoutAUserSplitLeavesTheTreeWithoutOne() {
    ProcessTree tree = ProcessTree.of(List.of(p(1, 0, 5),
        new ProcessUsage(2, 1, 7, OptionalLong.empty(), 0)), 1).orElseThrow();
    assertEquals(OptionalLong.empty(), tree.userCpuNanos());
    assertEquals(13, tree.cpuNanos());
  }

  @Test
  void aMissingRootHasNoTree() {
    assertTrue(ProcessTree.of(List.of(p(2, 1, 0)), 3).isEmpty());
  }

  @Test
  void aPpidCycleTerminates() {
    assertEquals(2, ProcessTree.of(List.of(p(5, 6, 0), p(6, 5, 0)), 5).orElseThrow().processes().size());
  }
}
