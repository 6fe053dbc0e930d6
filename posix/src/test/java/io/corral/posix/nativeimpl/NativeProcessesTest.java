package io.corral.posix.nativeimpl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.posix.Errno;
import io.corral.posix.LinuxException;
import io.corral.posix.Processes.Spawned;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The jnr-ffi bindings against the real kernel; none of these need root. */
class NativeProcessesTest {
  private static NativeProcesses processes;

  @BeforeAll
  static void load() {
    processes = NativeProcesses.create();
  }

  @Test
  void identity() {
    assertEquals(ProcessHandle.current().pid(), processes.getpid());
    assertTrue(processes.geteuid() >= 0);
  }

  @Test
  void killOfAMissingProcessThrowsEsrch() {
    LinuxException e = assertThrows(LinuxException.class, () -> processes.kill(Integer.MAX_VALUE, 0));
    assertEquals("kill", e.syscall());
    assertEquals(Errno.ESRCH, e.errno());
    assertEquals("kill pid=2147483647 signal=0: ESRCH (No such process)", e.getMessage());
  }

  @Test
  void pidfdSignalsTheProcessAndReportsItsEnd() throws Exception {
    Process sleep = new ProcessBuilder("sleep", "1000").start();
    int pidfd = processes.pidfdOpen((int) sleep.pid());
    try {
      processes.pidfdSendSignal(pidfd, 0);
      processes.pidfdSendSignal(pidfd, 9);
      assertTrue(sleep.waitFor(10, TimeUnit.SECONDS));
      assertEquals(128 + 9, sleep.exitValue());
      LinuxException e = assertThrows(LinuxException.class, () -> processes.pidfdSendSignal(pidfd, 0));
      assertEquals(Errno.ESRCH, e.errno());
    } finally {
      processes.close(pidfd);
    }
    LinuxException e = assertThrows(LinuxException.class, () -> processes.close(pidfd));
    assertEquals("close", e.syscall());
    assertEquals(Errno.EBADF, e.errno());
  }

  @Test
  void pidfdOpenOfAMissingProcessThrows() {
    LinuxException e = assertThrows(LinuxException.class, () -> processes.pidfdOpen(Integer.MAX_VALUE));
    assertEquals("pidfd_open", e.syscall());
    assertFalse(e.errno() == Errno.UNKNOWN);
  }

  @Test
  void pidfdSendSignalOnANonPidfdIsEbadf() {
    LinuxException e = assertThrows(LinuxException.class, () -> processes.pidfdSendSignal(-1, 0));
    assertEquals(Errno.EBADF, e.errno());
  }

  @Test
  void spawnWiresBothPipesAndTheExitIsSeenAndReaped() {
    Spawned cat = processes.spawn(Path.of("/bin/cat"), null);
    CompletableFuture<Void> exited = processes.onExit(cat.pidfd());
    try {
      byte[] hello = "hello\n".getBytes(StandardCharsets.US_ASCII);
      processes.write(cat.stdin(), hello, 0, hello.length);
      processes.close(cat.stdin());
      assertEquals("hello\n", readAll(cat.stdout()));
      exited.orTimeout(10, TimeUnit.SECONDS).join();
      assertEquals(0, processes.reap(cat.pid()));
    } finally {
      processes.close(cat.stdout());
      processes.close(cat.pidfd());
    }
    assertEquals(Errno.ECHILD, assertThrows(LinuxException.class, () -> processes.reap(cat.pid())).errno());
  }

  @Test
  void aSpawnedChildHasNoEnvironmentNoBlockedOrIgnoredSignalsAndOnlyArgv0(@TempDir Path dir) throws IOException {
    Path script = dir.resolve("probe");
    Files.writeString(script, "#!/bin/sh\n"
        + "echo \"args=$# env=$(env | grep -v '^PWD=' | wc -l)\"\n"
        + "echo oops >&2\n"
        + "exec grep -E '^Sig(Blk|Ign):' /proc/self/status\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    Path stderr = dir.resolve("stderr");
    Files.writeString(stderr, "before\n");
    Spawned probe = processes.spawn(script, stderr);
    CompletableFuture<Void> exited = processes.onExit(probe.pidfd());
    try {
      processes.close(probe.stdin());
      String out = readAll(probe.stdout());
      assertTrue(out.startsWith("args=0 env=0\n"), out);
      assertTrue(out.contains("SigBlk:\t0000000000000000"), out);
      assertTrue(out.contains("SigIgn:\t0000000000000000"), out);
      exited.orTimeout(10, TimeUnit.SECONDS).join();
      assertEquals(0, processes.reap(probe.pid()));
      assertEquals("before\noops\n", Files.readString(stderr));
    } finally {
      processes.close(probe.stdout());
      processes.close(probe.pidfd());
    }
  }

  @Test
  void aFailedSpawnThrowsTheExecErrorAndLeaksNoPipe(@TempDir Path dir) throws IOException {
    List<String> before = openPipes();
    LinuxException missing = assertThrows(LinuxException.class,
        () -> processes.spawn(dir.resolve("missing"), null));
    assertEquals("posix_spawn", missing.syscall());
    assertEquals(Errno.ENOENT, missing.errno());
    Path notExecutable = Files.writeString(dir.resolve("plain"), "#!/bin/sh\n");
    assertEquals(Errno.EACCES, assertThrows(LinuxException.class,
        () -> processes.spawn(notExecutable, null)).errno());
    LinuxException badStderr = assertThrows(LinuxException.class,
        () -> processes.spawn(Path.of("/bin/true"), dir.resolve("no/such/dir/stderr")));
    assertEquals("open", badStderr.syscall());
    assertEquals(Errno.ENOENT, badStderr.errno());
    List<String> leaked = new ArrayList<>(openPipes());
    leaked.removeAll(before);
    assertEquals(List.of(), leaked);
  }

  @Test
  void oneWatcherSeesManyExitsInAnyOrder() {
    List<Spawned> cats = new ArrayList<>();
    List<CompletableFuture<Void>> exits = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      Spawned cat = processes.spawn(Path.of("/bin/cat"), null);
      cats.add(cat);
      exits.add(processes.onExit(cat.pidfd()));
    }
    for (int i = cats.size() - 1; i >= 0; i--) { // last spawned ends first
      Spawned cat = cats.get(i);
      processes.close(cat.stdin());
      exits.get(i).orTimeout(10, TimeUnit.SECONDS).join();
      for (int j = 0; j < i; j++) {
        assertFalse(exits.get(j).isDone(), "cat " + j + " still runs");
      }
      assertEquals(0, processes.reap(cat.pid()));
      processes.close(cat.stdout());
      processes.close(cat.pidfd());
    }
  }

  @Test
  void onExitOfAnExitedProcessCompletesAtOnceAndOfANonPidfdThrows() {
    Spawned cat = processes.spawn(Path.of("/bin/cat"), null);
    processes.close(cat.stdin());
    processes.close(cat.stdout());
    processes.reap(cat.pid()); // exited and reaped: the pidfd stays readable
    processes.onExit(cat.pidfd()).orTimeout(10, TimeUnit.SECONDS).join();
    processes.close(cat.pidfd());
    LinuxException e = assertThrows(LinuxException.class, () -> processes.onExit(-1));
    assertEquals("epoll_ctl", e.syscall());
    assertEquals(Errno.EBADF, e.errno());
  }

  private static String readAll(int fd) {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    byte[] buffer = new byte[256];
    for (int n; (n = processes.read(fd, buffer, 0, buffer.length)) > 0; ) {
      all.write(buffer, 0, n);
    }
    return all.toString(StandardCharsets.UTF_8);
  }

  /** "fd -> pipe:[inode]" for each pipe this JVM holds open. */
  private static List<String> openPipes() throws IOException {
    List<String> pipes = new ArrayList<>();
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : fds.toList()) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("pipe:")) {
            pipes.add(fd.getFileName() + " -> " + target);
          }
        } catch (IOException e) {
          // closed meanwhile (the listing's own descriptor, or another thread's)
        }
      }
    }
    return pipes;
  }
}
