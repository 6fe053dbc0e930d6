package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.it.support.AgentClient;
import io.corral.it.support.AgentProcess;
import io.corral.it.support.Eventually;
import io.corral.it.support.Host;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Containers WITHOUT a pid namespace are destroyed through their freezer cgroup: a fork bomb
 * (held at {@code pids.max} by cgroups/pids, so it churns at the cap: a shell that fails to fork
 * exits, and another forks in its place) and a shell that ignores SIGTERM and keeps forking are both gone, every
 * process of them, when WAIT answers after KILL; their freezer and pids cgroups are removed.
 * The processes are recognised by a marker unique to the test in their command line.
 */
@Tag("root")
class FreezerDestroyIT {
  private static final Path FREEZER = Path.of("/sys/fs/cgroup/freezer");
  private static final Path PIDS = Path.of("/sys/fs/cgroup/pids");

  @BeforeAll
  static void needsRootAndTheFreezer() {
    assumeTrue(Host.isRoot(), "needs root: cgroups");
    assumeTrue(Files.isRegularFile(FREEZER.resolve("freezer.state"))
        || Files.isDirectory(FREEZER), "needs the cgroup v1 freezer hierarchy at " + FREEZER);
  }

  @Test
  void aForkBombWithoutAPidNamespaceIsDestroyedCompletely() {
    String marker = "corral-bomb-" + UUID.randomUUID();
    String sleep = Long.toString(800_000 + (System.nanoTime() & 0xffff));
    try (AgentProcess agent = AgentProcess.start("--isolation=filesystem/posix,cgroups/pids",
        "--cgroups_max_pids=128")) {
      AgentClient client = agent.client();
      Path freezer = FREEZER.resolve(agent.cgroupsRoot()).resolve("bomb");
      Path pids = PIDS.resolve(agent.cgroupsRoot()).resolve("bomb");
      assertTrue(agent.logTail().contains("Using freezer cgroups under"), agent.logTail());
      // The command itself only sleeps; the bomb is bash, which retries a fork that fails
      // (dash exits at once, and a bomb of dashes can die out by itself at the cap).
      assertEquals(200, client.launch("bomb",
          "bash -c 'b(){ b & b; }; b # " + marker + "' 2>/dev/null & exec sleep " + sleep + " # " + marker),
          agent.logTail());
      Eventually.await(Duration.ofSeconds(60), () -> forksRefused(pids) > 0 && count(pids) >= 100,
          () -> "the bomb at its cap of 128: pids.current " + read(pids.resolve("pids.current"))
              + ", forks refused " + forksRefused(pids));
      assertTrue(count(freezer) >= 100, "the bomb is in its freezer cgroup: " + count(freezer));

      assertEquals(200, client.kill("bomb"));
      assertEquals(9, client.waitFor("bomb", Duration.ofSeconds(90)).getExitStatus(), agent.logTail());

      assertEquals(List.of(), withMarker(marker), "processes of the bomb left after KILL + WAIT");
      assertEquals(List.of(), sleeps(sleep), "the command is gone");
      assertFalse(Files.exists(freezer), "freezer cgroup removed");
      assertFalse(Files.exists(pids), "pids cgroup removed");
      assertEquals(200, client.remove("bomb"));
    } finally {
      killAll(withMarker(marker));
      killAll(sleeps(sleep));
    }
  }

  @Test
  void aProcessThatIgnoresSigtermAndForksIsKilledWithEverythingItForked() {
    String marker = "corral-stubborn-" + UUID.randomUUID();
    String sleep = Long.toString(900_000 + (System.nanoTime() & 0xffff));
    try (AgentProcess agent = AgentProcess.start("--isolation=filesystem/posix,posix/cpu")) {
      AgentClient client = agent.client();
      Path freezer = FREEZER.resolve(agent.cgroupsRoot()).resolve("stubborn");
      assertEquals(200, client.launch("stubborn",
          "trap '' TERM; while :; do sleep " + sleep + " & sleep 0.05; done # " + marker), agent.logTail());
      Eventually.await(Duration.ofSeconds(20), () -> sleeps(sleep).size() >= 3, "three sleeps forked");

      assertEquals(200, client.kill("stubborn", 15));
      Set<Integer> before = new HashSet<>(sleeps(sleep));
      Eventually.await(Duration.ofSeconds(20), () -> !before.containsAll(sleeps(sleep)),
          "a sleep forked after SIGTERM: the shell ignored it");
      assertFalse(withMarker(marker).isEmpty(), "the shell still runs");
      assertTrue(count(freezer) > 3, "the shell and its sleeps are in the freezer cgroup");

      assertEquals(200, client.kill("stubborn"));
      assertEquals(9, client.waitFor("stubborn", Duration.ofSeconds(60)).getExitStatus(), agent.logTail());
      assertEquals(List.of(), withMarker(marker), "the shell is gone");
      assertEquals(List.of(), sleeps(sleep), "every sleep it forked is gone");
      assertFalse(Files.exists(freezer), "freezer cgroup removed");
      assertEquals(200, client.remove("stubborn"));
    } finally {
      killAll(withMarker(marker));
      killAll(sleeps(sleep));
    }
  }

  /** How many forks {@code pids.max} refused in this cgroup ({@code max} in {@code pids.events}). */
  private static long forksRefused(Path cgroup) {
    return read(cgroup.resolve("pids.events")).lines().filter(l -> l.startsWith("max "))
        .mapToLong(l -> Long.parseLong(l.substring(4).trim())).sum();
  }

  private static int count(Path cgroup) {
    String procs = read(cgroup.resolve("cgroup.procs"));
    return procs.isBlank() ? 0 : procs.trim().split("\n").length;
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "";
    }
  }

  /** Live processes (not zombies) whose command line contains {@code text}. */
  private static List<Integer> withMarker(String text) {
    List<Integer> found = new ArrayList<>();
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path p : dir) {
        byte[] cmdline;
        try {
          cmdline = Files.readAllBytes(p.resolve("cmdline"));
        } catch (IOException e) {
          continue; // exited meanwhile
        }
        String args = new String(cmdline, StandardCharsets.UTF_8).replace('\0', ' ');
        if (args.contains(text) && ProcessHandle.current().pid() != Long.parseLong(p.getFileName().toString())) {
          found.add(Integer.parseInt(p.getFileName().toString()));
        }
      }
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    return found;
  }

  private static List<Integer> sleeps(String seconds) {
    return withMarker("sleep " + seconds);
  }

  private static void killAll(List<Integer> pids) {
    pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
  }
}
