package io.corral.posix.ps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.posix.ProcessTable;
import io.corral.posix.ProcessUsage;
import io.corral.posix.launch.Poll;
import io.corral.posix.nativeimpl.NativeProcFs;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@code ps} reader against the {@code /proc} reader for the same real processes: a shell
 * with a busy child and a sleeping one. procps prints whole seconds of cpu time (truncated), so
 * the ps figure lies between the /proc figure read before it less one second and the one read
 * after it.
 */
class PsProcessTableIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final long SECOND = 1_000_000_000L;

  private final ProcessTable proc = ProcessTable.of(new NativeProcFs());
  private final PsProcessTable ps = new PsProcessTable();
  private Process shell;
  private long busy;
  private long sleeping;

  @BeforeEach
  void startTree() throws IOException {
    shell = new ProcessBuilder("/bin/sh", "-c", "(while :; do :; done) & sleep 1000 & wait").start();
    Poll.until(WAIT, "the shell's two children", () -> shell.children().count() == 2);
    for (ProcessHandle child : shell.children().toList()) {
      if (child.info().command().orElse("").endsWith("sleep")) {
        sleeping = child.pid();
      } else {
        busy = child.pid();
      }
    }
    assertTrue(busy > 0 && sleeping > 0, "a busy and a sleeping child: " + shell.children().toList());
  }

  @AfterEach
  void killTree() throws InterruptedException {
    shell.descendants().forEach(ProcessHandle::destroyForcibly);
    shell.destroyForcibly();
    assertTrue(shell.waitFor(10, TimeUnit.SECONDS), "the tree is gone");
  }

  private static Map<Integer, ProcessUsage> byPid(List<ProcessUsage> table) {
    return table.stream().collect(Collectors.toMap(ProcessUsage::pid, Function.identity()));
  }

  private static ProcessUsage of(ProcessTable table, long pid) {
    ProcessUsage usage = byPid(table.processes()).get((int) pid);
    assertTrue(usage != null, pid + " is listed by " + table.describe());
    return usage;
  }

  @Test
  void theTreeIsTheSameAsInProc() {
    Map<Integer, ProcessUsage> fromPs = byPid(ps.processes());
    Map<Integer, ProcessUsage> fromProc = byPid(proc.processes());
    for (long pid : List.of(shell.pid(), busy, sleeping)) {
      assertEquals(fromProc.get((int) pid).ppid(), fromPs.get((int) pid).ppid(), "parent of " + pid);
    }
    assertEquals(ProcessHandle.current().pid(), fromPs.get((int) shell.pid()).ppid());
    assertEquals(shell.pid(), fromPs.get((int) busy).ppid());
    assertTrue(fromPs.get((int) busy).userCpuNanos().isEmpty(), "ps gives no user/system split");
  }

  @Test
  void cpuTimeOfTheBusyChildAgreesWithProc() {
    Poll.until(WAIT, "1 s of cpu in ps", () -> of(ps, busy).cpuNanos() >= SECOND);
    long before = of(proc, busy).cpuNanos();
    long fromPs = of(ps, busy).cpuNanos();
    long after = of(proc, busy).cpuNanos();
    assertTrue(fromPs >= before - SECOND && fromPs <= after,
        "ps " + fromPs + " ns within [" + (before - SECOND) + ", " + after + "]");
    assertTrue(of(ps, sleeping).cpuNanos() < SECOND, "the sleeping child is idle");
  }

  @Test
  void rssAgreesWithProc() {
    for (long pid : List.of(shell.pid(), sleeping)) {
      long fromProc = of(proc, pid).rssBytes();
      long fromPs = of(ps, pid).rssBytes();
      assertTrue(fromPs > 0 && fromPs >= fromProc / 2 && fromPs <= fromProc * 2,
          "rss of " + pid + ": ps " + fromPs + " and /proc " + fromProc);
    }
  }
}
