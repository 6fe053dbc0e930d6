package io.corral.isolators.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.posix.Linux;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Hierarchies} at agent start on the real kernel: a missing hierarchy is mounted, a root
 * another live agent holds is refused, and a hierarchy the agent cannot write is refused with
 * its path and errno.
 */
@Tag("root")
class HierarchiesIT {
  private static final Path HIERARCHY = Path.of("/sys/fs/cgroup");
  private final Linux linux = Linux.nativeDefault();
  private final String root = "corral-it-" + UUID.randomUUID().toString().substring(0, 8);

  @BeforeAll
  static void needsRoot() {
    assumeTrue("root".equals(System.getProperty("user.name")), "needs root: mounts and cgroups");
    assumeTrue(Files.isRegularFile(HIERARCHY.resolve("pids/cgroup.procs")),
        "needs the cgroup v1 pids hierarchy under " + HIERARCHY);
  }

  private static void run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).inheritIO().start();
    assertEquals(0, process.waitFor(), String.join(" ", command));
  }

  @Test
  void aSecondAgentOnTheSameRootIsRefusedUntilTheFirstIsGone() throws Exception {
    CgroupsConfig config = CgroupsConfig.defaults().withRoot(HIERARCHY, root);
    Hierarchies first = new Hierarchies(linux, config);
    try {
      first.get("pids");
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> new Hierarchies(linux, config).get("pids"));
      assertTrue(e.getMessage().startsWith("Failed to lock cgroups root '/sys/fs/cgroup/pids/"
          + root + "': another live agent owns it"), e.getMessage());
      assertTrue(e.getMessage().endsWith("EAGAIN (Resource temporarily unavailable)"), e.getMessage());
      first.close();
      Hierarchies second = new Hierarchies(linux, config);
      second.get("pids");
      second.close();
    } finally {
      first.close();
      Files.deleteIfExists(HIERARCHY.resolve("pids").resolve(root));
    }
  }

  @Test
  void aMissingHierarchyIsMounted(@TempDir Path temp) throws Exception {
    Hierarchies hierarchies = new Hierarchies(linux, CgroupsConfig.defaults().withRoot(temp, root));
    try {
      Hierarchy pids = hierarchies.get("pids");
      assertTrue(Files.isRegularFile(temp.resolve("pids").resolve(root).resolve("pids.max")));
      assertEquals(temp.resolve("pids").resolve(root).resolve("c1"), pids.path("c1"));
    } finally {
      hierarchies.close();
      Files.deleteIfExists(temp.resolve("pids").resolve(root));
      run("umount", temp.resolve("pids").toString());
    }
  }

  @Test
  void aHierarchyTheAgentCannotWriteIsRefusedWithPathAndErrno(@TempDir Path temp) throws Exception {
    Path readOnly = temp.resolve("pids");
    Files.createDirectories(readOnly);
    run("mount", "--bind", HIERARCHY.resolve("pids").toString(), readOnly.toString());
    try {
      run("mount", "-o", "remount,bind,ro", readOnly.toString());
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> new Hierarchies(linux, CgroupsConfig.defaults().withRoot(temp, root)).get("pids"));
      assertEquals("Failed to prepare cgroups root '" + readOnly.resolve(root) + "': mkdir path='"
          + readOnly.resolve(root) + "': EROFS (Read-only file system)", e.getMessage());
    } finally {
      run("umount", readOnly.toString());
    }
  }
}
