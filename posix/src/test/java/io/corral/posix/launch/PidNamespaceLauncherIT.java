package io.corral.posix.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.posix.Errno;
import io.corral.posix.ProcStat;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.Mount;
import io.corral.proto.v1.Namespace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The launcher and corral-init against the real kernel, as root, through real plans. */
@Tag("root")
class PidNamespaceLauncherIT extends RealLauncherTest {
  /** The host pids of every descendant of pid. */
  private List<Integer> descendants(int pid) {
    List<ProcStat> all = proc.processes();
    Set<Integer> tree = new HashSet<>(Set.of(pid));
    for (boolean grew = true; grew; ) {
      grew = false;
      for (ProcStat p : all) {
        if (tree.contains(p.ppid()) && tree.add(p.pid())) {
          grew = true;
        }
      }
    }
    tree.remove(pid);
    return new ArrayList<>(tree);
  }

  @Test
  void exitCodeBecomesAWaitStatus() throws Exception {
    assertEquals(3 << 8, run(plan("/bin/sh", "-c", "exit 3")));
    assertEquals(3 << 8, run(isolated("/bin/sh", "-c", "exit 3")));
  }

  @Test
  void deathBySigkillIsStatus9() throws Exception {
    assertEquals(9, run(isolated("/bin/sh", "-c", "kill -9 $$")));
  }

  @Test
  void sigtermIsForwardedByTheInit() throws Exception {
    LaunchedContainer container = start(isolated("sleep", "1000"));
    container.signal(15);
    assertEquals(15, container.exited().get(20, TimeUnit.SECONDS));
    container.signal(15); // after the exit: no error
  }

  @Test
  void thePidNamespaceShowsOnlyTheContainer() throws Exception {
    int status = run(isolated("/bin/sh", "-c", "cat /proc/1/comm; echo $$; ls /proc | grep -c '^[0-9]'"));
    assertEquals(0, status);
    List<String> out = stdout();
    assertEquals("corral-init", out.get(0));
    assertEquals("2", out.get(1));
    int visible = Integer.parseInt(out.get(2));
    assertTrue(visible <= 5, "host processes visible: " + visible);
    assertTrue(proc.processes().size() > visible, "the host's /proc is untouched");
  }

  @Test
  void killLeavesNoBackgroundChildren() throws Exception {
    LaunchedContainer container = start(isolated("/bin/sh", "-c", "sleep 1000 & sleep 1000 & echo started; wait"));
    Poll.until(Duration.ofSeconds(10), "two sleeps", () -> descendants(container.initPid()).size() >= 3);
    List<Integer> pids = descendants(container.initPid());
    container.kill();
    assertEquals(9, container.exited().get(20, TimeUnit.SECONDS));
    assertFalse(alive(container.initPid()));
    for (int pid : pids) {
      assertFalse(alive(pid), "pid " + pid + " survived");
    }
  }

  @Test
  void theInitReapsOrphanedGrandchildren() throws Exception {
    Path orphan = dir.resolve("orphan");
    String script = "sh -c 'true & echo $! > " + orphan + "'; p=$(cat " + orphan + "); i=0; "
        + "while [ -e /proc/$p ]; do i=$((i+1)); [ $i -gt 1000 ] && { echo zombie $p; exit 1; }; sleep 0.01; done; "
        + "grep -l '^State:.*Z' /proc/[0-9]*/status && exit 2; echo reaped";
    assertEquals(0, run(isolated("/bin/sh", "-c", script)), String.join("\n", stdout()));
    assertEquals(List.of("reaped"), stdout());
  }

  @Test
  void mountsCreateTheirTargetsAndStayInsideTheContainer() throws Exception {
    Path source = Files.writeString(dir.resolve("source.txt"), "bound\n");
    Path fileTarget = dir.resolve("new/sub/file");
    Path dirTarget = dir.resolve("newdir/a");
    LaunchPlan.Builder plan = isolated("/bin/sh", "-c", "cat " + fileTarget + "; stat -f -c %T " + dirTarget)
        .addMounts(Mount.newBuilder().setSource(source.toString()).setTarget(fileTarget.toString())
            .setFlags(4096).setCreateTarget(true))
        .addMounts(Mount.newBuilder().setSource("tmpfs").setTarget(dirTarget.toString()).setType("tmpfs")
            .setCreateTarget(true));
    assertEquals(0, run(plan), String.join("\n", stdout()));
    assertEquals(List.of("bound", "tmpfs"), stdout());
    assertEquals("", Files.readString(fileTarget), "the bind stayed in the container's mount namespace");
    assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(dirTarget.toString()));
  }

  @Test
  void aFailedMountIsReportedWithItsArguments() throws Exception {
    LaunchPlan.Builder plan = isolated("/bin/true")
        .addMounts(Mount.newBuilder().setSource("/no/source").setTarget("/mnt").setFlags(4096));
    LaunchedContainer container = launcher.fork("c1", plan.build(), stdio());
    LaunchException e = assertThrows(LaunchException.class, container::release);
    assertEquals("mount", e.step());
    assertEquals(Errno.ENOENT, e.errno().orElseThrow());
    assertEquals("mount src='/no/source' dst='/mnt' type='' flags=0x1000: ENOENT (No such file or directory)", e.getMessage());
    container.exited().get(20, TimeUnit.SECONDS);
  }

  @Test
  void theInitJoinsItsCgroupsBeforeItsPidIsReported() throws Exception {
    Path freezer = Path.of("/sys/fs/cgroup/freezer");
    assumeTrue(Files.isRegularFile(freezer.resolve("tasks")), "needs the cgroup v1 freezer hierarchy");
    Path cgroup = freezer.resolve("corral-launcher-it-" + ProcessHandle.current().pid());
    Files.createDirectory(cgroup);
    try {
      LaunchPlan.Builder plan = isolated("/bin/cat", "/proc/self/cgroup")
          .addJoinCgroups(cgroup.resolve("tasks").toString());
      LaunchedContainer container = launcher.fork("c1", plan.build(), stdio());
      // Nobody but the init wrote to the cgroup: it is in it as soon as fork returns.
      assertEquals(List.of(Integer.toString(container.initPid())),
          Files.readAllLines(cgroup.resolve("cgroup.procs")));
      container.release();
      assertEquals(0, container.exited().get(20, TimeUnit.SECONDS));
      String own = ":freezer:/" + cgroup.getFileName();
      assertTrue(stdout().stream().anyMatch(line -> line.endsWith(own)), "the command ran in it: " + stdout());
    } finally {
      Files.delete(cgroup);
    }
  }

  @Test
  void aCgroupTheInitCannotJoinFailsTheForkAndNothingRuns() throws Exception {
    Path marker = dir.resolve("marker");
    LaunchPlan.Builder plan = isolated("touch", marker.toString()).addJoinCgroups("/no/such/cgroup/tasks");
    LaunchException e = assertThrows(LaunchException.class, () -> launcher.fork("c1", plan.build(), stdio()));
    assertEquals("cgroup", e.step());
    assertEquals(Errno.ENOENT, e.errno().orElseThrow());
    assertEquals("open '/no/such/cgroup/tasks': ENOENT (No such file or directory)", e.getMessage());
    assertFalse(Files.exists(marker));
  }

  @Test
  void aMissingExecutableFailsReleaseWithStepExec() throws Exception {
    LaunchedContainer container = launcher.fork("c1", isolated("/no/such").build(), stdio());
    LaunchException e = assertThrows(LaunchException.class, container::release);
    assertEquals("exec", e.step());
    assertEquals(Errno.ENOENT, e.errno().orElseThrow());
    assertEquals("exec '/no/such': ENOENT (No such file or directory)", e.getMessage());
    container.exited().get(20, TimeUnit.SECONDS);
  }

  @Test
  void aFailedInitStepIsReportedWithItsName() throws Exception {
    LaunchedContainer container = launcher.fork("c1", plan("/bin/true").setWorkingDirectory("/no/dir").build(), stdio());
    LaunchException e = assertThrows(LaunchException.class, container::release);
    assertEquals("chdir", e.step());
    assertEquals("chdir '/no/dir': ENOENT (No such file or directory)", e.getMessage());
    assertEquals(9, container.exited().get(20, TimeUnit.SECONDS)); // nothing ran, nothing recorded
  }

  @Test
  void theInitKilledBeforeReleaseFailsTheLaunch() throws Exception {
    LaunchedContainer container = launcher.fork("c1", isolated("/bin/true").build(), stdio());
    processes.kill(container.initPid(), 9);
    LaunchException e = assertThrows(LaunchException.class, container::release);
    assertEquals("init", e.step());
    assertEquals("corral-init exited before exec", e.getMessage());
    assertEquals(9, container.exited().get(20, TimeUnit.SECONDS));
  }

  @Test
  void sigtermBeforeReleaseEndsTheInit() throws Exception {
    Path marker = dir.resolve("marker");
    LaunchedContainer container = launcher.fork("c1", isolated("touch", marker.toString()).build(), stdio());
    container.signal(15);
    assertEquals(9, container.exited().get(20, TimeUnit.SECONDS));
    assertEquals("init", assertThrows(LaunchException.class, container::release).step());
    assertFalse(Files.exists(marker));
  }

  @Test
  void abortRunsNothing() throws Exception {
    Path marker = dir.resolve("marker");
    LaunchedContainer container = launcher.fork("c1", isolated("touch", marker.toString()).build(), stdio());
    assertTrue(alive(container.initPid()));
    container.abort();
    assertEquals(9, container.exited().get(20, TimeUnit.SECONDS));
    assertFalse(Files.exists(marker));
  }

  @Test
  void withoutAPidNamespaceKillReachesBackgroundChildren() throws Exception {
    LaunchedContainer container = start(plan("/bin/sh", "-c", "sleep 1000 & echo $!; sleep 1000 & echo $!; wait"));
    Poll.until(Duration.ofSeconds(10), "two pids on stdout", () -> stdout().size() == 2);
    List<Integer> pids = stdout().stream().map(Integer::parseInt).toList();
    assertTrue(alive(pids.get(0)) && alive(pids.get(1)));
    container.kill();
    assertEquals(9, container.exited().get(20, TimeUnit.SECONDS));
    for (int pid : pids) {
      assertFalse(alive(pid), "pid " + pid + " survived");
    }
  }

  @Test
  void withoutAPidNamespaceTheCommandsExitEndsItsLeftovers() throws Exception {
    assertEquals(0, run(plan("/bin/sh", "-c", "sleep 1000 & echo $!")));
    int leftover = Integer.parseInt(stdout().get(0));
    assertFalse(alive(leftover), "pid " + leftover + " survived");
  }

  /**
   * RLIMIT_NOFILE of 4 binds the command only: the init (its parent, no pid namespace) keeps its
   * own limits, and can still open /proc to find and kill what the command left behind.
   */
  @Test
  void theContainersRlimitsBindTheCommandNotTheInit() throws Exception {
    LaunchPlan.Builder plan = plan("/bin/sh", "-c",
        "grep 'Max open files' /proc/$PPID/limits; ulimit -n; sleep 1000 & echo $!")
        .addRlimits(io.corral.proto.v1.RLimit.newBuilder().setResource(7).setSoft(4).setHard(4));
    assertEquals(0, run(plan), String.join("\n", stdout()));
    List<String> out = stdout();
    String agents = Files.readAllLines(Path.of("/proc/self/limits")).stream()
        .filter(l -> l.startsWith("Max open files")).findFirst().orElseThrow();
    assertEquals(agents.split("\\s+")[3], out.get(0).split("\\s+")[3], "the init's soft limit is the agent's: " + out);
    assertEquals("4", out.get(1), "the command's own limit");
    assertFalse(alive(Integer.parseInt(out.get(2))), "the command's leftover survived: " + out);
  }

  @Test
  void appliesHostnameRlimitsWorkingDirectoryUserCapabilitiesAndNoNewPrivs() throws Exception {
    Path work = Files.createDirectories(dir.resolve("work"));
    LaunchPlan.Builder plan = plan("/bin/sh", "-c",
        "cat /proc/sys/kernel/hostname; ulimit -n; pwd; id -u; id -g; id -G; "
            + "grep -E '^(CapEff|CapBnd|CapAmb|NoNewPrivs):' /proc/self/status")
        .addCloneNamespaces(Namespace.UTS).setHostname("box")
        .addRlimits(io.corral.proto.v1.RLimit.newBuilder().setResource(7).setSoft(77).setHard(88))
        .setWorkingDirectory(work.toString())
        .setUid(65534).setGid(65534).addSupplementaryGroups(65534)
        .setEffectiveCapabilities(1L << 10).setBoundingCapabilities(1L << 10)
        .setNoNewPrivileges(true);
    assertEquals(0, run(plan), String.join("\n", stdout()));
    assertEquals(List.of("box", "77", work.toString(), "65534", "65534", "65534",
        "CapEff:\t0000000000000400", "CapBnd:\t0000000000000400", "CapAmb:\t0000000000000400",
        "NoNewPrivs:\t1"), stdout());
  }

  @Test
  void capabilitiesOfARootCommand() throws Exception {
    LaunchPlan.Builder plan = plan("/bin/sh", "-c", "grep -E '^(CapEff|CapBnd):' /proc/self/status")
        .setEffectiveCapabilities(1L << 10 | 1L << 21).setBoundingCapabilities(1L << 10 | 1L << 21);
    assertEquals(0, run(plan), String.join("\n", stdout()));
    assertEquals(List.of("CapEff:\t0000000000200400", "CapBnd:\t0000000000200400"), stdout());
  }

  @Test
  void aRootCommandDoesNotRegainAWiderBoundingSetAtExec() throws Exception {
    LaunchPlan.Builder plan = plan("/bin/sh", "-c",
        "grep -E '^(CapEff|CapPrm|CapBnd):' /proc/self/status")
        .setEffectiveCapabilities(1L << 10).setBoundingCapabilities(1L << 10 | 1L << 21);
    assertEquals(0, run(plan), String.join("\n", stdout()));
    assertEquals(List.of("CapPrm:\t0000000000000400", "CapEff:\t0000000000000400",
        "CapBnd:\t0000000000200400"), stdout());
  }

  @Test
  void aCapabilityOutsideTheBoundingSetIsRefused() throws Exception {
    LaunchPlan plan = plan("/bin/true").setUid(65534).setEffectiveCapabilities(1L << 10).setBoundingCapabilities(0).build();
    LaunchedContainer container = launcher.fork("c1", plan, stdio());
    LaunchException e = assertThrows(LaunchException.class, container::release);
    assertEquals("capabilities", e.step());
    assertEquals(Errno.EPERM, e.errno().orElseThrow());
    container.exited().get(20, TimeUnit.SECONDS);
  }
}
