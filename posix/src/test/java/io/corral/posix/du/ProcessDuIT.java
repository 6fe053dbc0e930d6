package io.corral.posix.du;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.posix.Linux;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ProcessDu} on the real kernel with the real GNU {@code du}, and with stub {@code du}
 * scripts written by the test that print garbage, fail, or hang (reporting their pid through a
 * FIFO, so the test can look at the live process). Needs no root; tagged with the kernel tests.
 */
@Tag("root")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProcessDuIT {
  private static final Linux LINUX = Linux.nativeDefault();

  @TempDir Path temp;

  @Test
  void measuresKibibytesAndLeavesOutExcludedTrees() throws IOException {
    Path root = Files.createDirectories(temp.resolve("sandbox"));
    Files.write(root.resolve("a"), new byte[1 << 20]);
    Path skipped = Files.createDirectories(root.resolve("vol [1]*"));
    Files.write(skipped.resolve("b"), new byte[2 << 20]);
    ProcessDu du = new ProcessDu("du", LINUX.processes());

    long all = du.start(root, List.of()).await(Duration.ofSeconds(30));
    long without = du.start(root, List.of(skipped)).await(Duration.ofSeconds(30));

    assertTrue(all >= 3072, "all: " + all);
    assertTrue(without >= 1024 && without < 2048, "without the excluded tree: " + without);
  }

  @Test
  void runsAtNice19AndIdleIoClass() throws Exception {
    Path fifo = fifo();
    ProcessDu du = new ProcessDu(stub("echo $$ > '" + fifo + "'\nexec sleep 60"), LINUX.processes());
    Du.Run run = du.start(temp, List.of());
    int pid = Integer.parseInt(Files.readString(fifo).strip());
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      assertEquals("19", fields[19 - 3], "nice of the du process");
      Process ionice = new ProcessBuilder("ionice", "-p", Integer.toString(pid)).start();
      assertEquals("idle", new String(ionice.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
    } finally {
      run.kill();
    }
    assertFalse(ProcessHandle.of(pid).isPresent(), "killed du is gone");
  }

  @Test
  void aHungRunIsKilledAtItsTimeoutWithItsChildren() throws Exception {
    Path fifo = fifo();
    // Not exec: the sleep child holds the output pipe, so only killing the tree ends the read.
    ProcessDu du = new ProcessDu(stub("echo $$ > '" + fifo + "'\nsleep 60\necho 1"), LINUX.processes());
    Du.Run run = du.start(temp, List.of());
    int pid = Integer.parseInt(Files.readString(fifo).strip());
    List<ProcessHandle> children = ProcessHandle.of(pid).orElseThrow().children().toList();

    DuException e = assertThrows(DuException.class, () -> run.await(Duration.ofMillis(200)));

    assertEquals(DuException.Kind.TIMED_OUT, e.kind());
    assertEquals("Failed to measure disk usage of '" + temp + "': '" + du.commandLine(temp, List.of()).get(0)
        + "' did not finish within 200ms and was killed", e.getMessage());
    assertTrue(dead(pid), "du " + pid);
    // SIGKILL was sent and the pipe is closed, but a dying process closes its files before it
    // becomes a zombie: wait for the kernel to finish (init may not have reaped it yet, so a
    // zombie counts as dead).
    children.forEach(c -> awaitDead(c.pid()));
  }

  @Test
  void killFromAnotherThreadEndsTheWaitAtOnce() throws Exception {
    Path fifo = fifo();
    ProcessDu du = new ProcessDu(stub("echo $$ > '" + fifo + "'\nexec sleep 60"), LINUX.processes());
    Du.Run run = du.start(temp, List.of());
    int pid = Integer.parseInt(Files.readString(fifo).strip());
    CompletableFuture<Long> waiting = CompletableFuture.supplyAsync(() -> run.await(Duration.ofMinutes(5)));

    run.kill();

    assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "gone when kill returns");
    Throwable e = assertThrows(java.util.concurrent.ExecutionException.class,
        () -> waiting.get(30, TimeUnit.SECONDS)).getCause();
    assertEquals(DuException.Kind.KILLED, ((DuException) e).kind());
  }

  @Test
  void failuresSayWhatWentWrong() throws IOException {
    ProcessDu failing = new ProcessDu(stub("echo \"du: cannot read '$4'\" >&2\nexit 3"), LINUX.processes());
    DuException exit = assertThrows(DuException.class,
        () -> failing.start(temp, List.of()).await(Duration.ofSeconds(30)));
    assertEquals(DuException.Kind.FAILED, exit.kind());
    assertTrue(exit.getMessage().endsWith("' exited with status 3: du: cannot read '" + temp + "'"),
        exit.getMessage());

    ProcessDu garbage = new ProcessDu(stub("echo lots of bytes"), LINUX.processes());
    DuException parse = assertThrows(DuException.class,
        () -> garbage.start(temp, List.of()).await(Duration.ofSeconds(30)));
    assertTrue(parse.getMessage().endsWith("unexpected output of '"
        + garbage.commandLine(temp, List.of()).get(0) + "': 'lots of bytes'"), parse.getMessage());

    ProcessDu missing = new ProcessDu(temp.resolve("no-du").toString(), LINUX.processes());
    DuException start = assertThrows(DuException.class, () -> missing.start(temp, List.of()));
    assertEquals(DuException.Kind.FAILED, start.kind());
    assertTrue(start.getMessage().startsWith("Failed to measure disk usage of '" + temp
        + "': failed to run '" + temp.resolve("no-du") + "': "), start.getMessage());
  }

  /** Gone, or a zombie waiting to be reaped. */
  private static void awaitDead(long pid) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!dead(pid)) {
      assertTrue(System.nanoTime() < deadline, "child " + pid + " still alive 10s after SIGKILL");
      java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
    }
  }

  private static boolean dead(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      return stat.charAt(stat.lastIndexOf(')') + 2) == 'Z';
    } catch (IOException e) {
      return true;
    }
  }

  private String stub(String body) throws IOException {
    Path script = Files.createTempFile(temp, "du-stub", ".sh");
    Files.writeString(script, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    return script.toString();
  }

  private Path fifo() throws Exception {
    Path fifo = temp.resolve("pid.fifo");
    assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
    return fifo;
  }
}
