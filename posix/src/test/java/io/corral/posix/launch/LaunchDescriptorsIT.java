package io.corral.posix.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.posix.ProcStat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Stdio and descriptors through corral-init: nothing leaks across 50 launches, nothing is inherited. */
@Tag("root")
class LaunchDescriptorsIT extends RealLauncherTest {
  @Test
  void stdinComesFromStdioAndStderrIsAppended() throws Exception {
    Files.writeString(dir.resolve("stdin"), "hello\n");
    Files.writeString(dir.resolve("stderr"), "before\n");
    LaunchedContainer container = launcher.fork("c1", plan("/bin/sh", "-c", "cat; echo oops >&2").build(),
        new Stdio(dir.resolve("stdin"), dir.resolve("stdout"), dir.resolve("stderr")));
    container.release();
    assertEquals(0, container.exited().get(20, TimeUnit.SECONDS));
    assertEquals(List.of("hello"), stdout());
    assertEquals("before\noops\n", Files.readString(dir.resolve("stderr")));
  }

  @Test
  void fiftyLaunchesLeakNoFileDescriptor() throws Exception {
    assertEquals(0, run(isolated("/bin/true")));
    long before = openFds();
    for (int i = 0; i < 50; i++) {
      assertEquals(0, run(i % 2 == 0 ? isolated("/bin/true") : plan("/bin/true")));
    }
    LaunchedContainer failed = launcher.fork("c1", plan("/no/such").build(), stdio());
    assertThrows(LaunchException.class, failed::release);
    failed.exited().get(20, TimeUnit.SECONDS);
    launcher.fork("c1", plan("/bin/true").build(), stdio()).abort();
    assertThrows(LaunchException.class, () -> launcher.fork("c1", plan("/bin/true").setVersion(2).build(), stdio()));
    assertThrows(LaunchException.class, () -> launcher.fork("c1",
        plan("/bin/true").addJoinCgroups("/no/such/cgroup/tasks").build(), stdio()));
    Poll.until(Duration.ofSeconds(10), "descriptors back to " + before, () -> openFds() <= before);
    Poll.until(Duration.ofSeconds(10), "every helper reaped", () -> zombieChildren().isEmpty());
  }

  @Test
  void theCommandInheritsNoDescriptorOfTheAgent() throws Exception {
    Path marker = Files.writeString(dir.resolve("agent-only-file"), "x");
    try (var held = new java.io.FileInputStream(marker.toFile())) {
      assertTrue(heldWithoutCloexec(marker), "the JDK opened it without O_CLOEXEC: what this test needs");
      assertEquals(0, run(isolated("/bin/ls", "-l", "/proc/self/fd/")));
    }
    List<String> fds = stdout();
    assertTrue(fds.stream().noneMatch(l -> l.contains("agent-only-file")), String.join("\n", fds));
    assertTrue(fds.stream().anyMatch(l -> l.contains(" 2 -> ")), String.join("\n", fds));
  }

  /** Whether this JVM holds {@code file} open on a descriptor without close-on-exec. */
  private static boolean heldWithoutCloexec(Path file) throws IOException {
    try (var fds = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : fds.toList()) {
        try {
          if (Files.readSymbolicLink(fd).equals(file)) {
            String flags = Files.readAllLines(Path.of("/proc/self/fdinfo").resolve(fd.getFileName()))
                .stream().filter(l -> l.startsWith("flags:")).findFirst().orElseThrow();
            return (Long.parseLong(flags.substring(6).trim(), 8) & 02000000) == 0;
          }
        } catch (IOException e) {
          // closed meanwhile
        }
      }
    }
    return false;
  }

  /** Children of this JVM that have exited and nobody reaped. */
  private List<Integer> zombieChildren() {
    int self = (int) ProcessHandle.current().pid();
    return proc.processes().stream().filter(p -> p.ppid() == self && p.state() == 'Z')
        .map(ProcStat::pid).toList();
  }

  private static long openFds() {
    try (var fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
