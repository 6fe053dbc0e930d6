package io.corral.isolators.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.posix.ProcStat;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProcessTreeTest {
  private static ProcStat p(int pid, int ppid, long utime) {
    return new ProcStat(pid, ppid, pid, 1, 'S', "p" + pid, utime, 1, 1);
  }

  @Test
  void walksAllDescendantsThroughPpidLinks() {
    // 10 -> 11 -> 12 -> 13, 10 -> 14; 20 is a sibling of 10 and 21 its child: not in the tree.
    List<ProcStat> snapshot = List.of(p(13, 12, 1000), p(20, 1, 7), p(10, 1, 1), p(11, 10, 10),
        p(21, 20, 7), p(12, 11, 100), p(14, 10, 10000));
    ProcessTree tree = ProcessTree.of(snapshot, 10).orElseThrow();
    assertEquals(List.of(10, 11, 14, 12, 13), tree.processes().stream().map(ProcStat::pid).toList());
    assertEquals(11111, tree.utimeTicks());
    assertEquals(5, tree.stimeTicks());
    assertEquals(5, tree.rssPages());
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
