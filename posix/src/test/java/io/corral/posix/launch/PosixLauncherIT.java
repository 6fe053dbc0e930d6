package io.corral.posix.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.posix.Errno;
import io.corral.posix.ProcStat;
import io.corral.posix.nativeimpl.NativeProcFs;
import io.corral.posix.nativeimpl.NativeProcesses;
import io.corral.posix.testing.PidFiles;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.Namespace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The posix launcher with real processes, as whichever user runs the tests (it needs no
 * privilege): exit statuses, the go line, its own session, the kill of a tree with orphaned
 * grandchildren, what a command leaves at exit, signals, and adoption by a second launcher.
 */
class PosixLauncherIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  private static final NativeProcesses PROCESSES = NativeProcesses.create();
  private static final long UID = new com.sun.security.auth.module.UnixSystem().getUid();
  private static final long GID = new com.sun.security.auth.module.UnixSystem().getGid();

  @TempDir Path dir;
  private final NativeProcFs proc = new NativeProcFs();
  private final PosixLauncher launcher = new PosixLauncher(PROCESSES, proc, UID, GID);

  private LaunchPlan.Builder plan(String script) {
    return LaunchPlan.newBuilder().setVersion(1).addEnvironment("PATH=/usr/bin:/bin")
        .setWorkingDirectory(dir.toString())
        .addArgv("/bin/sh").addArgv("-c").addArgv(script).setStatusPath(dir.resolve("status").toString());
  }

  private LaunchedContainer start(PosixLauncher with, LaunchPlan.Builder plan) {
    LaunchedContainer container = with.fork("c1", plan.build(),
        new Stdio(null, dir.resolve("stdout"), dir.resolve("stderr")));
    container.release();
    return container;
  }

  private static int status(LaunchedContainer container) throws Exception {
    return container.exited().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
  }

  @Test
  void recordsTheExitStatusAndTheStreams() throws Exception {
    LaunchedContainer c = start(launcher, plan("echo out; echo err >&2; echo \"$MESSAGE\"; exit 3")
        .addEnvironment("MESSAGE=from the plan"));
    assertEquals(3 << 8, status(c));
    assertEquals("out\nfrom the plan\n", Files.readString(dir.resolve("stdout")));
    assertEquals("err\n", Files.readString(dir.resolve("stderr")));
    assertEquals("768", Files.readString(dir.resolve("status")).trim(), "recorded where corral-init records it");
  }

  @Test
  void reportsADeathBySignal() throws Exception {
    assertEquals(15, status(start(launcher, plan("kill -TERM $$"))));
  }

  @Test
  void runsNothingUntilReleasedAndNothingWhenAborted() throws Exception {
    LaunchedContainer c = launcher.fork("c1", plan("touch ran").build(), new Stdio(null, null, null));
    c.abort();
    c.exited().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    assertFalse(Files.exists(dir.resolve("ran")), "the command ran without the go line");
  }

  @Test
  void runsTheCommandInTheInitsOwnSession() throws Exception {
    LaunchedContainer c = start(launcher, plan("echo $$ > pid; exec sleep 1000"));
    int command = awaitPids(1).get(0);
    Optional<ProcStat> stat = proc.stat(command);
    assertTrue(stat.isPresent());
    assertEquals(c.initPid(), stat.get().session(), "its own session, led by the init");
    assertEquals(c.initPid(), stat.get().pgrp(), "its own process group");
    c.kill();
    assertEquals(9, status(c));
  }

  @Test
  void killsTheWholeTreeAlsoOrphanedGrandchildren() throws Exception {
    LaunchedContainer c = start(launcher, plan(
        "sleep 1000 & echo $! >> pid; (sleep 1001 & echo $! >> pid); setsid sleep 1002 & echo $! >> pid;"
            + " sh -c 'sleep 1003 & echo $! >> pid; wait' & wait"));
    List<Integer> pids = awaitPids(4);
    c.kill();
    assertEquals(9, status(c), "a killed container reports SIGKILL");
    for (int pid : pids) {
      assertFalse(ProcessHandle.of(pid).isPresent(), "process " + pid + " survived the kill");
    }
    assertFalse(ProcessHandle.of(c.initPid()).isPresent());
  }

  @Test
  void killsWhatTheCommandLeftWhenItExits() throws Exception {
    LaunchedContainer c = start(launcher, plan("(sleep 1000 & echo $! >> pid); exit 0"));
    assertEquals(0, status(c));
    int orphan = awaitPids(1).get(0);
    assertFalse(ProcessHandle.of(orphan).isPresent(), "the orphan of an exited command survived");
  }

  @Test
  void signalsTheCommandNotTheShell() throws Exception {
    LaunchedContainer c = start(launcher, plan(
        "exec sh -c 'trap \"exit 42\" TERM; echo $$ >> pid; while :; do sleep 0.05; done'"));
    awaitPids(1);
    c.signal(15);
    assertEquals(42 << 8, status(c));
  }

  @Test
  void withTheJdkAloneKillsTheConnectedTree() throws Exception {
    PosixLauncher jdk = new PosixLauncher(Optional.empty(), ProcessControl.jdk(), UID, GID);
    LaunchedContainer c = start(jdk, plan("sleep 1000 & echo $! >> pid; sh -c 'sleep 1001 & echo $! >> pid; wait' & wait"));
    List<Integer> pids = awaitPids(2);
    c.kill();
    assertEquals(9, status(c));
    for (int pid : pids) {
      assertFalse(ProcessHandle.of(pid).map(ProcessControl.Jdk::running).orElse(false), "process " + pid + " survived");
    }
  }

  @Test
  void aZombieCountsAsGoneToTheJdkControl() throws Exception {
    // the child exits at once and is never reaped: its parent never waits (and does not ignore
    // SIGCHLD, which a test runner may have left ignored, and which would reap it at once)
    Process parent = new ProcessBuilder("perl", "-e", "$SIG{CHLD} = 'DEFAULT'; my $child = fork();"
        + " exit 0 if $child == 0; open(my $f, '>', 'pid.tmp'); print $f \"$child\\n\"; close($f);"
        + " rename('pid.tmp', 'pid'); sleep 1000").directory(dir.toFile()).start();
    try {
      int pid = awaitPids(1).get(0);
      Poll.until(TIMEOUT, "pid " + pid + " a zombie", () -> proc.stat(pid).map(s -> s.state() == 'Z').orElse(false));
      ProcessHandle zombie = ProcessHandle.of(pid).orElseThrow();
      assertTrue(zombie.isAlive(), "the JDK calls a zombie alive");
      assertFalse(ProcessControl.Jdk.running(zombie));
      assertTrue(ProcessControl.Jdk.running(ProcessHandle.of(parent.pid()).orElseThrow()));
    } finally {
      parent.destroyForcibly().waitFor();
    }
  }

  @Test
  void aSecondLauncherAdoptsByPidAndStartTimeAndReadsTheRecordedStatus() throws Exception {
    LaunchPlan.Builder plan = plan("echo $$ >> pid; while [ ! -e go ]; do sleep 0.05; done; exit 7");
    LaunchedContainer first = start(launcher, plan);
    awaitPids(1);
    long startTicks = proc.stat(first.initPid()).orElseThrow().startTicks();
    PosixLauncher next = new PosixLauncher(PROCESSES, proc, UID, GID);
    assertTrue(next.recover("c1", plan.build(), first.initPid(), first.initPid(), startTicks + 1).isEmpty(),
        "a pid started at another time is not the init");
    LaunchedContainer adopted = next.recover("c1", plan.build(), first.initPid(), first.initPid(), startTicks)
        .orElseThrow();
    Files.writeString(dir.resolve("go"), "");
    assertEquals(7 << 8, status(adopted), "the status the init recorded");
    assertTrue(next.recover("c1", plan.build(), first.initPid(), first.initPid(), startTicks).isEmpty());
  }

  @Test
  void anAdoptedContainerIsKilledWithItsTree() throws Exception {
    LaunchPlan.Builder plan = plan("(sleep 1000 & echo $! >> pid); sleep 1001");
    LaunchedContainer first = start(launcher, plan);
    int orphan = awaitPids(1).get(0);
    long startTicks = proc.stat(first.initPid()).orElseThrow().startTicks();
    LaunchedContainer adopted = new PosixLauncher(PROCESSES, proc, UID, GID)
        .recover("c1", plan.build(), first.initPid(), first.initPid(), startTicks).orElseThrow();
    adopted.kill();
    assertEquals(9, status(adopted));
    assertFalse(ProcessHandle.of(orphan).isPresent());
    // the first launcher's view: its init has written the status file and exited, so nothing
    // writes into the test's directory once the test is over
    status(first);
  }

  @Test
  void refusesWhatOnlyTheLinuxLauncherCanApply() {
    LaunchException e = assertThrows(LaunchException.class, () -> launcher.fork("c1",
        plan("true").addCloneNamespaces(Namespace.PID).setUid((int) UID + 1).build(), new Stdio(null, null, null)));
    assertEquals("the 'posix' launcher cannot apply namespaces [PID], user " + (UID + 1) + ":0 (the agent runs as "
        + UID + ":" + GID + "); they need --launcher=linux", e.getMessage());
  }

  @Test
  void refusesARootfs() {
    LaunchException e = assertThrows(LaunchException.class, () -> launcher.fork("c1",
        plan("true").setRootfs("/var/lib/rootfs").build(), new Stdio(null, null, null)));
    assertEquals("the 'posix' launcher cannot apply a rootfs '/var/lib/rootfs'; they need --launcher=linux",
        e.getMessage());
  }

  @Test
  void refusesAMissingExecutableAtFork() {
    LaunchPlan noSuch = plan("x").setArgv(0, "no-such-command").build();
    LaunchException e = assertThrows(LaunchException.class, () -> launcher.fork("c1", noSuch, new Stdio(null, null, null)));
    assertEquals("exec 'no-such-command': ENOENT (No such file or directory)", e.getMessage());
    assertEquals(Optional.of(Errno.ENOENT), e.errno());
  }

  /** The pids the command wrote, one a line, to {@code pid}: waits for {@code count} of them. */
  private List<Integer> awaitPids(int count) {
    Path file = dir.resolve("pid");
    Poll.until(TIMEOUT, count + " pids in " + file, () -> PidFiles.read(file).size() >= count);
    return PidFiles.read(file);
  }
}
