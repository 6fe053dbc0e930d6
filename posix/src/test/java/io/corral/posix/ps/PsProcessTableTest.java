package io.corral.posix.ps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.posix.ProcessUsage;
import io.corral.posix.launch.Poll;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Running {@code ps}: the real one on this host, and stand-in scripts that are missing, fail,
 * hang or print something else, each refused with a clear message.
 */
class PsProcessTableTest {
  @TempDir Path dir;

  private String script(String body) throws IOException {
    Path file = dir.resolve("ps");
    Files.writeString(file, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
    return file.toString();
  }

  @Test
  void theRealPsListsThisProcess() {
    PsProcessTable table = new PsProcessTable().check();
    assertTrue(table.processes().size() > 1);
    assertEquals("'ps -A -o pid= -o ppid= -o rss= -o time=' (cpu time is user plus system in one number)",
        table.describe());
  }

  @Test
  void aMissingPsIsNamed() {
    String missing = dir.resolve("no-ps").toString();
    PsException e = assertThrows(PsException.class, () -> new PsProcessTable(missing, Duration.ofSeconds(5)).processes());
    assertTrue(e.getMessage().startsWith("Failed to run '" + missing + "': "), e.getMessage());
  }

  @Test
  void aFailingPsGivesItsStatusAndStderr() throws IOException {
    String ps = script("echo 'ps: no such option' >&2; exit 1");
    PsException e = assertThrows(PsException.class, () -> new PsProcessTable(ps, Duration.ofSeconds(5)).processes());
    assertEquals("Failed to run '" + ps + "': it exited with status 1: ps: no such option", e.getMessage());
  }

  @Test
  void aHangingPsIsKilledAtItsTimeout() throws IOException {
    String ps = script("exec sleep 600");
    PsException e = assertThrows(PsException.class, () -> new PsProcessTable(ps, Duration.ofMillis(300)).processes());
    assertEquals("Failed to run '" + ps + "': it did not finish within 300ms and was killed", e.getMessage());
  }

  @Test
  void otherOutputIsRefused() throws IOException {
    String ps = script("echo '  PID  PPID   RSS     TIME'; echo '1 0 4 00:00:01'");
    PsException e = assertThrows(PsException.class, () -> new PsProcessTable(ps, Duration.ofSeconds(5)).processes());
    assertTrue(e.getMessage().startsWith("Failed to read the process table: unexpected line 'PID  PPID   RSS     TIME'"),
        e.getMessage());
  }

  @Test
  void aPsThatDoesNotListThisProcessFailsTheCheck() throws IOException {
    String ps = script("echo '1 0 4 00:00:01'");
    PsException e = assertThrows(PsException.class, () -> new PsProcessTable(ps, Duration.ofSeconds(5)).check());
    assertEquals("Failed to read the process table: '" + ps + "' does not list this process ("
        + ProcessHandle.current().pid() + ")", e.getMessage());
  }

  @Test
  void aCallDuringARunSharesItsSnapshot() throws Exception {
    Path runs = dir.resolve("runs");
    Path go = dir.resolve("go");
    String ps = script("echo run >> '" + runs + "'; while [ ! -e '" + go + "' ]; do sleep 0.01; done;"
        + " echo '" + ProcessHandle.current().pid() + " 1 4 0:00.50'");
    PsProcessTable table = new PsProcessTable(ps, Duration.ofSeconds(30));
    CompletableFuture<List<ProcessUsage>> first = CompletableFuture.supplyAsync(table::processes);
    Poll.until(Duration.ofSeconds(30), "the first run to start", () -> Files.exists(runs));
    CompletableFuture<List<ProcessUsage>> second = CompletableFuture.supplyAsync(table::processes);
    Poll.until(Duration.ofSeconds(30), "the second call to wait for it", () -> table.sharing() == 1);
    Files.createFile(go);
    assertSame(first.get(30, TimeUnit.SECONDS), second.get(30, TimeUnit.SECONDS));
    assertEquals(List.of("run"), Files.readAllLines(runs));
    table.check();
    assertEquals(List.of("run", "run"), Files.readAllLines(runs), "a later call runs ps again");
  }
}
