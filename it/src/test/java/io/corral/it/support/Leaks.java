package io.corral.it.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The end of a test that ran a real agent: every container removed and nothing of them left
 * on the host. Used from the test thread; holds the host's mounts from its creation on, to
 * tell new mounts from old ones.
 */
public final class Leaks {
  private static final Path CGROUP = Path.of("/sys/fs/cgroup");
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final String cgroupsRoot;
  private final List<String> hierarchies;
  private final Set<String> mountsBefore = Host.mounts();

  /**
   * For agents on {@code cgroupsRoot}, whose cgroups live in {@code hierarchies} (v1 names; on
   * a v2 host, the one unified hierarchy instead).
   */
  public Leaks(String cgroupsRoot, List<String> hierarchies) {
    this.cgroupsRoot = cgroupsRoot;
    this.hierarchies = Host.unifiedCgroups() ? List.of("") : withHybrid(hierarchies);
  }

  /** A v1 host's cgroup2 mount holds the containers' cgroups for pressure: checked too. */
  private static List<String> withHybrid(List<String> hierarchies) {
    if (hierarchies.contains("unified")
        || !Files.isRegularFile(CGROUP.resolve("unified").resolve("cgroup.controllers"))) {
      return hierarchies;
    }
    List<String> all = new java.util.ArrayList<>(hierarchies);
    all.add("unified");
    return all;
  }

  /** The cgroups of container {@code id}, as {@code <hierarchy>/<id>}. */
  public Set<String> cgroupsOf(String id) {
    Set<String> found = new TreeSet<>();
    for (String hierarchy : hierarchies) {
      if (Files.isDirectory(CGROUP.resolve(hierarchy).resolve(cgroupsRoot).resolve(id))) {
        found.add(hierarchy + "/" + id);
      }
    }
    return found;
  }

  /**
   * REMOVEs each of {@code ids}, then asserts: nothing listed, none of {@code pids} running, no
   * process below the agent, no cgroup under the root in any of the hierarchies, no new mount
   * under the agent's directories (or naming Corral, or a {@code /proc}), no sandbox or runtime
   * directory.
   */
  public void assertRemovedWithoutLeaks(AgentProcess agent, List<String> ids, Collection<Integer> pids) {
    for (String id : ids) {
      assertEquals(200, agent.client().remove(id), "REMOVE '" + id + "'\n" + agent.logTail());
    }
    assertEquals(List.of(), agent.client().containers(), "GET_CONTAINERS after every REMOVE");
    Eventually.await(TIMEOUT, () -> pids.stream().noneMatch(Leaks::running),
        () -> "the containers' processes to be gone: " + pids);
    assertEquals(List.of(), Host.descendants((int) agent.pid()).stream().filter(Host.Proc::running).toList(),
        "processes below the agent");
    Set<String> cgroups = new TreeSet<>();
    for (String hierarchy : hierarchies) {
      Path root = CGROUP.resolve(hierarchy).resolve(cgroupsRoot);
      Host.entries(root).stream().filter(e -> Files.isDirectory(root.resolve(e)))
          .forEach(e -> cgroups.add(hierarchy + "/" + e));
    }
    assertEquals(Set.of(), cgroups, "cgroups left");
    Set<String> mounts = new TreeSet<>(Host.mounts());
    mounts.removeAll(mountsBefore);
    assertEquals(Set.of(), Host.containerMounts(mounts, agent.workDir().getParent()), "mounts left");
    assertEquals(Set.of(), Host.entries(agent.runtimeDir().resolve("containers")), "runtime_dir/containers");
    assertEquals(Set.of(), Host.entries(agent.workDir().resolve("containers")), "work_dir/containers");
    assertTrue(agent.client().healthy());
  }

  /** The process exists and is not a zombie. */
  public static boolean running(int pid) {
    Host.Proc p = Host.read(pid);
    return p != null && p.running();
  }
}
