package io.corral.isolators.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.isolators.IsolatorException;
import io.corral.posix.Errno;
import io.corral.posix.testing.FakeLinux;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class HierarchyTest {
  private static final Path PIDS = Path.of("/sys/fs/cgroup/pids");
  private final FakeLinux kernel = new FakeLinux().addProcess(42, 1, 42, 0, 0, 0);

  private Hierarchies hierarchies(Duration destroyTimeout) {
    return new Hierarchies(kernel.linux(), new CgroupsConfig(CgroupsConfig.DEFAULT_HIERARCHY,
        "agents/a1", false, 0, null, 1, 0xffff, destroyTimeout, CgroupsConfig.PRESSURE_NONE));
  }

  @Test
  void theRootIsCreatedRecursivelyAndLocked() {
    Hierarchy pids = hierarchies(Duration.ofSeconds(1)).get("pids");
    assertTrue(pids.fs().exists("agents/a1"));
    assertTrue(kernel.isLocked(PIDS.resolve("agents/a1")));
    assertEquals(PIDS.resolve("agents/a1/c1"), pids.path("c1"));
  }

  @Test
  void aHierarchyTheAgentCannotWriteIsRefusedWithPathAndErrno() {
    kernel.failOn(PIDS.resolve("agents"), Errno.EROFS);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> hierarchies(Duration.ofSeconds(1)).get("pids"));
    assertEquals("Failed to prepare cgroups root '/sys/fs/cgroup/pids/agents/a1': mkdir"
        + " path='/sys/fs/cgroup/pids/agents': EROFS (Read-only file system)", e.getMessage());
  }

  @Test
  void closeReleasesTheLocks() {
    Hierarchies first = hierarchies(Duration.ofSeconds(1));
    first.get("pids");
    assertThrows(IllegalArgumentException.class, () -> hierarchies(Duration.ofSeconds(1)).get("pids"));
    first.close();
    hierarchies(Duration.ofSeconds(1)).get("pids");
  }

  @Test
  void removalRetriesEbusy() {
    Hierarchy pids = hierarchies(Duration.ofSeconds(5)).get("pids");
    pids.create("c1");
    kernel.failNext("rmdir", Errno.EBUSY);
    kernel.failNext("rmdir", Errno.EBUSY);
    pids.destroy("c1", kernel.linux().processes(), Duration.ofSeconds(5));
    assertFalse(pids.fs().exists("agents/a1/c1"));
    assertEquals(3, kernel.calls().stream().filter(c -> c.startsWith("rmdir")).count());
  }

  @Test
  void aProcessLeftBehindIsKilledAndNamedWhenItWillNotGo() {
    Hierarchy pids = hierarchies(Duration.ofMillis(50)).get("pids");
    pids.create("c1");
    pids.assign("c1", 42);
    kernel.failOn(PIDS.resolve("agents/a1/c1"), Errno.EBUSY);
    IsolatorException e = assertThrows(IsolatorException.class,
        () -> pids.destroy("c1", kernel.linux().processes(), Duration.ofMillis(50)));
    assertTrue(e.getMessage().startsWith("Failed to remove cgroup"
        + " '/sys/fs/cgroup/pids/agents/a1/c1': rmdir"), e.getMessage());
    assertTrue(kernel.calls().contains("kill pid=42 signal=9"), kernel.calls().toString());
  }

  @Test
  void aMissingCgroupIsAlreadyRemoved() {
    Hierarchy pids = hierarchies(Duration.ofSeconds(1)).get("pids");
    pids.destroy("never", kernel.linux().processes(), Duration.ofSeconds(1));
    assertFalse(kernel.calls().stream().anyMatch(c -> c.startsWith("rmdir")));
  }

  @Test
  void assignFailureNamesContainerPidAndPath() {
    Hierarchy pids = hierarchies(Duration.ofSeconds(1)).get("pids");
    pids.create("c1");
    IsolatorException e = assertThrows(IsolatorException.class, () -> pids.assign("c1", 77));
    assertEquals("Failed to assign container 'c1' pid 77 to cgroup at"
        + " '/sys/fs/cgroup/pids/agents/a1/c1': write"
        + " path='/sys/fs/cgroup/pids/agents/a1/c1/cgroup.procs': ESRCH (No such process)",
        e.getMessage());
  }
}
