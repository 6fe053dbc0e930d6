package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.it.support.AgentClient;
import io.corral.it.support.AgentProcess;
import io.corral.it.support.Host;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code corral run} with the root default isolation: its container is in the cgroups of
 * {@code cgroups/cpu}, {@code cgroups/mem}, {@code cgroups/pids} and the launcher's freezer,
 * under its own root {@code corral-run-<pid>}, and no cgroup is left after it exits; it runs
 * next to a live agent (with the same default isolation) without contending for the agent's
 * root, and one told to use the agent's root is refused with the lock's message.
 */
@Tag("root")
class CorralRunCgroupsIT {
  private static final Path CGROUP = Path.of("/sys/fs/cgroup");
  private static final List<String> CONTROLLERS = List.of("cpu", "memory", "pids", "freezer");
  private Path dir;

  @BeforeEach
  void tempDir() throws IOException {
    assumeTrue(Host.isRoot(), "needs root: cgroups");
    assumeTrue(Files.isDirectory(CGROUP.resolve("freezer")) && Files.isDirectory(CGROUP.resolve("memory")),
        "needs cgroup v1 hierarchies under " + CGROUP);
    dir = Files.createTempDirectory("corral-run-cgroups-it-");
  }

  @AfterEach
  void deleteTempDir() throws IOException {
    if (dir != null) {
      try (Stream<Path> walk = Files.walk(dir)) {
        walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private Process corralRun(String name, String... flagsAndCommand) throws IOException {
    List<String> args = new ArrayList<>(List.of("run", "--runtime_dir=" + dir.resolve("runtime-" + name)));
    args.addAll(List.of(flagsAndCommand));
    return new ProcessBuilder(AgentProcess.corralCommand(args.toArray(String[]::new)))
        .redirectOutput(dir.resolve(name + ".out").toFile())
        .redirectError(dir.resolve(name + ".err").toFile())
        .start();
  }

  private String output(String name) throws IOException {
    return "--- stdout ---\n" + Files.readString(dir.resolve(name + ".out"))
        + "--- stderr ---\n" + Files.readString(dir.resolve(name + ".err"));
  }

  @Test
  void theDefaultIsolationUsesCgroupsUnderItsOwnRootAndLeavesNone() throws Exception {
    Process run = corralRun("default", "--container_id=cg", "--mem=64", "--", "cat", "/proc/self/cgroup");
    assertTrue(run.waitFor(90, TimeUnit.SECONDS), "corral run finished");
    assertEquals(0, run.exitValue(), output("default"));
    String root = "corral-run-" + run.pid();
    String cgroups = Files.readString(dir.resolve("default.out"));
    for (String controller : CONTROLLERS) {
      assertTrue(cgroups.lines().anyMatch(l -> l.matches("\\d+:([a-z_]+,)*" + controller + "(,[a-z_]+)*:/" + root + "/cg")),
          controller + " cgroup of the command under '" + root + "': " + output("default"));
    }
    assertEquals(List.of(), leftovers(root), "cgroups left by corral run");
  }

  @Test
  void anAgentAndCorralRunSideBySide() throws Exception {
    try (AgentProcess agent = AgentProcess.start()) {
      assertTrue(agent.logTail().contains("cgroups/mem"), "the agent's default isolation: " + agent.logTail());
      AgentClient client = agent.client();
      assertEquals(200, client.launch("beside", "exec sleep 1000"), agent.logTail());
      assertTrue(Files.isDirectory(CGROUP.resolve("memory").resolve(agent.cgroupsRoot()).resolve("beside")));

      Process run = corralRun("beside", "--", "true");
      assertTrue(run.waitFor(90, TimeUnit.SECONDS), "corral run finished");
      assertEquals(0, run.exitValue(), output("beside"));
      assertEquals(List.of(), leftovers("corral-run-" + run.pid()));

      Process clash = corralRun("clash", "--cgroups_root=" + agent.cgroupsRoot(), "--", "true");
      assertTrue(clash.waitFor(90, TimeUnit.SECONDS), "corral run finished");
      assertEquals(1, clash.exitValue(), output("clash"));
      assertTrue(output("clash").contains("another live agent owns it"), output("clash"));

      assertTrue(client.container("beside").isPresent(), "the agent's container is untouched");
      assertEquals(200, client.kill("beside"));
      assertEquals(9, client.waitFor("beside", Duration.ofSeconds(30)).getExitStatus());
      assertEquals(200, client.remove("beside"));
    }
  }

  private static List<Path> leftovers(String root) throws IOException {
    List<Path> left = new ArrayList<>();
    try (Stream<Path> hierarchies = Files.list(CGROUP)) {
      for (Path h : hierarchies.toList()) {
        if (Files.exists(h.resolve(root))) {
          left.add(h.resolve(root));
        }
      }
    }
    return left;
  }
}
