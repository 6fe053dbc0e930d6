package io.corral.it.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.it.support.Host;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The real-kernel suite run again in the test guest ({@code it/vm/run.sh}): Debian's own kernel,
 * older than the host's, booted with cgroup v2 only and with XFS quota support, so the v2 code
 * paths and the {@code disk/xfs} limits run on a real kernel whatever this host boots, and a
 * syscall or file only newer kernels have is caught; and, in a second guest booted with systemd,
 * the shipped unit ({@link io.corral.it.SystemdUnitIT}). The guest runs the already built classes of this module (the same
 * classpath, shared read-only at the same paths) with {@link GuestTests}; a failure or a skip
 * there fails this test, with the guest's output.
 */
@Tag("root")
class GuestKernelIT {
  /**
   * The tests run in the guest: every real-kernel test of the kernel facade ({@code posix}) and
   * of the isolators (a package followed by {@code .*} selects its classes named {@code *IT}),
   * and the agent-level tests of cgroup v2, XFS quotas, recovery and leaks.
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

  /** Run in a second boot, with systemd as PID 1 ({@code run.sh --systemd}). */
  static final List<String> SYSTEMD_TESTS = List.of("io.corral.it.SystemdUnitIT");

  /** The guest's working directory, on its tmpfs. */
  private static final String SCRATCH = "/var/tmp/corral-guest";

  /** The guest runs a JVM several times slower than the host (README.md's measurements). */
  private static final int PATIENCE = 5;

  /** Both boots start at once and run side by side (a user-mode Linux guest uses one cpu). */
  private static Guest kernelGuest;
  private static Guest systemdGuest;

  @BeforeAll
  static void bootTheGuests() throws IOException {
    if (!Host.isRoot()) {
      return;
    }
    List<String> selectors = new ArrayList<>(TESTS);
    LEFT_OUT.forEach((test, why) -> {
      System.out.println("[guest] left out " + test + ": " + why);
      selectors.add("!" + test);
    });
    kernelGuest = Guest.start(false, selectors, "[guest] ");
    systemdGuest = Guest.start(true, SYSTEMD_TESTS, "[guest/systemd] ");
  }

  @AfterAll
  static void stopTheGuests() {
    for (Guest guest : new Guest[] {kernelGuest, systemdGuest}) {
      if (guest != null) {
        guest.process.destroy(); // run.sh kills the guest on TERM
      }
    }
  }

  @Test
  void theKernelTestsPassOnCgroupV2AndXfsQuota() throws Exception {
    assumeTrue(Host.isRoot(), "needs root: the guest boots with the host's qemu or user-mode Linux");
    kernelGuest.assertPassed();
  }

  @Test
  void theSystemdUnitKeepsContainersAcrossRestartAndStop() throws Exception {
    assumeTrue(Host.isRoot(), "needs root: the guest boots with the host's qemu or user-mode Linux");
    systemdGuest.assertPassed();
  }

  /** One guest running {@link GuestTests} with these selectors; its output is echoed as it comes. */
  private record Guest(Process process, List<String> output, Thread reader) {
    static Guest start(boolean systemd, List<String> selectors, String prefix) throws IOException {
      Path module = Path.of("").toAbsolutePath();
      List<String> command = new ArrayList<>(List.of(module.resolve("vm/run.sh").toString()));
      if (systemd) {
        command.add("--systemd");
      }
      // the tests' scratch (target/ of their working directory) on the guest's tmpfs: the shared
      // checkout is an overlay, which takes neither an overlay's upper layer nor trusted.* xattrs
      command.addAll(List.of("bash", "-c", "mkdir -p \"$0\" && cd \"$0\" && exec \"$@\"", SCRATCH,
          "java", // the guest's JRE 17
          "--enable-native-access=ALL-UNNAMED", "-Dcorral.it.patience=" + PATIENCE,
          "-Dcorral.jar=" + Path.of(System.getProperty("corral.jar")).toAbsolutePath(),
          "-cp", System.getProperty("java.class.path"), GuestTests.class.getName()));
      command.addAll(selectors);
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      List<String> output = Collections.synchronizedList(new ArrayList<>());
      Thread reader = new Thread(() -> {
        try (BufferedReader lines = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            System.out.println(prefix + line);
            output.add(line);
          }
        } catch (IOException e) {
          output.add("Failed to read the guest's output: " + e);
        }
      }, "guest-output");
      reader.start();
      return new Guest(process, output, reader);
    }

    /** Waits for the guest (run.sh's own timeout bounds it), which must pass every test. */
    void assertPassed() throws InterruptedException {
      try {
        reader.join();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "run.sh ended after its output");
      } finally {
        process.destroy(); // run.sh kills the guest on TERM
      }
      String all = String.join("\n", output);
      assertEquals(0, process.exitValue(), "the guest's tests failed or skipped:\n" + all);
      assertTrue(output.stream().anyMatch(l -> l.matches("guest tests: [1-9]\\d* run, .* 0 failed, 0 skipped")),
          "the guest's summary:\n" + all);
    }
  }
}
