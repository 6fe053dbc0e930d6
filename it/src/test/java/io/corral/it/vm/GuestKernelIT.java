package io.corral.it.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.it.support.Host;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The real-kernel suite run again in the test guest ({@code it/vm/run.sh}): Debian's own kernel,
 * older than the host's, booted with cgroup v2 only and with XFS quota support, so the v2 code
 * paths and the {@code disk/xfs} limits run on a real kernel whatever this host boots, and a
 * syscall or file only newer kernels have is caught; in a second guest, the agent-level tests of
 * updates, recovery and leaks; and, in a third booted with systemd, the shipped unit ({@link
 * io.corral.it.SystemdUnitIT}). Each guest runs the already built classes of this module (the same
 * classpath, shared read-only at the same paths) with {@link GuestTests}; a failure or a skip
 * there fails its test, with the guest's output.
 */
@Tag("root")
class GuestKernelIT {
  /**
   * The tests run in the guest: every real-kernel test of the kernel facade ({@code posix}) and
   * of the isolators (a package followed by {@code .*} selects its classes named {@code *IT}),
   * and the agent-level tests of cgroup v2 and XFS quotas.
   */
  static final List<String> TESTS = List.of(
      "io.corral.posix.*",
      "io.corral.isolators.*",
      "io.corral.it.CgroupsV2IT",
      "io.corral.it.XfsDiskIT");

  /** What the guest cannot run, by class or {@code class#method}, and why. */
  static final Map<String, String> LEFT_OUT = new TreeMap<>(Map.of(
      "io.corral.posix.cgroup.NativeCgroupFsIT",
      "the CgroupFs contract on the v1 pids hierarchy: the guest has no v1 hierarchy",
      "io.corral.posix.cgroup.NativeCgroupKernelIT",
      "mounts a v1 hierarchy and waits on the v1 memory controller's OOM eventfd: the guest boots"
          + " with cgroup_no_v1=all (CgroupsV2IT covers the v2 OOM path)",
      "io.corral.isolators.cgroups.HierarchiesIT",
      "prepares the v1 hierarchies under /sys/fs/cgroup/<subsystem>: the guest has none",
      "io.corral.posix.launch.PidNamespaceLauncherIT#theInitJoinsItsCgroupsBeforeItsPidIsReported",
      "joins a v1 freezer cgroup through its tasks file: the guest has no v1 hierarchy"));

  /**
   * Run in a boot of their own beside the first: the agent-level tests of updates, recovery and
   * leaks that pass on the host's v1 hierarchies, on v2 (each starts agents: minutes apiece there).
   */
  static final List<String> AGENT_TESTS = List.of(
      "io.corral.it.CgroupsUpdateIT",
      "io.corral.it.LeakIT",
      "io.corral.it.RecoveryIT");

  /** Of {@link #AGENT_TESTS}, what the host alone runs, and why. */
  static final Map<String, String> AGENT_TESTS_LEFT_OUT = new TreeMap<>(Map.of(
      "io.corral.it.CgroupsUpdateIT#aPressureCounterRisesUnderRealMemoryPressure",
      "its sandbox is on the guest's tmpfs, whose pages cannot be reclaimed without swap: 256 MB"
          + " written through a 32 MB cgroup is an OOM there, not reclaim pressure",
      "io.corral.it.RecoveryIT#aSigtermedAgentLeavesItsContainersRunningForTheNextOne",
      "the same recovery as after a SIGKILL, which runs here",
      "io.corral.it.RecoveryIT#withoutAPidNamespaceTheAdoptedInitsSessionIsKilledToo",
      "posix isolators only: no cgroup involved",
      "io.corral.it.RecoveryIT#aSigkillWhileTheInitIsForkedDestroysAndReportsTheLaunch",
      "the launcher's fork window, the same on either layout",
      "io.corral.it.RecoveryIT#aCorruptCheckpointCostsOnlyItsOwnContainer",
      "the checkpoint's parsing, the same on either layout",
      "io.corral.it.RecoveryIT#launchesCutShortAndOrphansAreDestroyed",
      "the removal of orphan cgroup2 cgroups runs for real in PressureIT on the host's cgroup2"
          + " mount; six agent starts, past the guest's budget",
      "io.corral.it.RecoveryIT#recoverCleanupDestroysEveryContainer",
      "the containerizer's recover-and-clean-up, the same on either layout"));

  /** Run in a second boot, with systemd as PID 1 ({@code run.sh --systemd}). */
  static final List<String> SYSTEMD_TESTS = List.of("io.corral.it.SystemdUnitIT");

  /** The guest's working directory, on its tmpfs. */
  private static final String SCRATCH = "/var/tmp/corral-guest";

  /** The guest booted as is: the kernel tests. */
  static GuestRun.Spec kernelGuest() {
    return plainGuest("guest", TESTS, LEFT_OUT);
  }

  /** The guest booted as is, for the agent-level tests. */
  static GuestRun.Spec agentsGuest() {
    return plainGuest("guest/agents", AGENT_TESTS, AGENT_TESTS_LEFT_OUT);
  }

  /** A guest booted as is running {@code tests} but those {@code leftOut}, each printed with why. */
  private static GuestRun.Spec plainGuest(String name, List<String> tests, Map<String, String> leftOut) {
    List<String> selectors = new ArrayList<>(tests);
    leftOut.forEach((test, why) -> {
      System.out.println("[" + name + "] left out " + test + ": " + why);
      selectors.add("!" + test);
    });
    return new GuestRun.Spec(name, false, SCRATCH, selectors, Map.of());
  }

  /** The guest booted with systemd as PID 1 ({@code run.sh --systemd}). */
  static GuestRun.Spec systemdGuest() {
    return new GuestRun.Spec("guest/systemd", true, SCRATCH, SYSTEMD_TESTS, Map.of());
  }

  /** The three guests boot at once and run side by side (a user-mode Linux guest uses one cpu). */
  @BeforeAll
  static void bootTheGuests() {
    if (Host.isRoot()) {
      EarlyGuests.start(kernelGuest(), agentsGuest(), systemdGuest());
    }
  }

  @AfterAll
  static void stopTheGuests() {
    EarlyGuests.stopAll();
  }

  @Test
  void theKernelTestsPassOnCgroupV2AndXfsQuota() throws Exception {
    assumeTrue(Host.isRoot(), "needs root: the guest boots with the host's qemu or user-mode Linux");
    assertPassed(EarlyGuests.take(kernelGuest()).await());
  }

  @Test
  void theUpdateRecoveryAndLeakTestsPassOnCgroupV2() throws Exception {
    assumeTrue(Host.isRoot(), "needs root: the guest boots with the host's qemu or user-mode Linux");
    assertPassed(EarlyGuests.take(agentsGuest()).await());
  }

  @Test
  void theSystemdUnitKeepsContainersAcrossRestartAndStop() throws Exception {
    assumeTrue(Host.isRoot(), "needs root: the guest boots with the host's qemu or user-mode Linux");
    assertPassed(EarlyGuests.take(systemdGuest()).await());
  }

  /** run.sh's status and GuestTests' summary: every test ran and passed. */
  private static void assertPassed(GuestRun.Result run) {
    assertEquals(0, run.exit(), "the guest's tests failed or skipped:\n" + run.all());
    assertTrue(run.output().stream().anyMatch(l -> l.matches("guest tests: [1-9]\\d* run, .* 0 failed, 0 skipped")),
        "the guest's summary:\n" + run.all());
  }
}
