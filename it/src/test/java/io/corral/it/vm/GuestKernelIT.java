package io.corral.it.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.it.support.Host;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The real-kernel tests that depend on the host's cgroup layout or kernel features, run again in
 * the test guest ({@code it/vm/run.sh}): Debian's own kernel, booted with cgroup v2 only and with
 * XFS quota support, so the v2 code paths and the {@code disk/xfs} limits run on a real kernel
 * whatever this host boots. The guest runs the already built classes of this module (the same
 * classpath, shared read-only at the same paths) with {@link GuestTests}; a failure or a skip
 * there fails this test, with the guest's output.
 */
@Tag("root")
class GuestKernelIT {
  /** The tests run in the guest: cgroup v2, destroy, recovery, leaks and XFS quotas. */
  static final List<String> TESTS = List.of(
      "io.corral.it.CgroupsV2IT",
      "io.corral.it.XfsDiskIT",
      "io.corral.posix.NativeQuotasIT");

  /** The guest runs a JVM several times slower than the host (README.md's measurements). */
  private static final int PATIENCE = 5;

  @Test
  void theKernelTestsPassOnCgroupV2AndXfsQuota() throws Exception {
    assumeTrue(Host.isRoot(), "needs root: the guest boots with the host's qemu or user-mode Linux");
    Path module = Path.of("").toAbsolutePath();
    Path script = module.resolve("vm/run.sh");
    List<String> command = new ArrayList<>(List.of(script.toString(), "bash", "-c",
        "cd \"$0\" && exec \"$@\"", module.toString(),
        "java", // the guest's JRE 17
        "--enable-native-access=ALL-UNNAMED", "-Dcorral.it.patience=" + PATIENCE,
        "-Dcorral.jar=" + Path.of(System.getProperty("corral.jar")).toAbsolutePath(),
        "-cp", System.getProperty("java.class.path"), GuestTests.class.getName()));
    command.addAll(TESTS);
    List<String> output = new ArrayList<>();
    Process guest = new ProcessBuilder(command).redirectErrorStream(true).start();
    try (BufferedReader lines = new BufferedReader(
        new InputStreamReader(guest.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        System.out.println("[guest] " + line);
        output.add(line);
      }
      assertTrue(guest.waitFor(60, TimeUnit.SECONDS), "run.sh ended after its output");
    } finally {
      guest.destroy(); // run.sh kills the guest on TERM
    }
    String all = String.join("\n", output);
    assertEquals(0, guest.exitValue(), "the guest's tests failed or skipped:\n" + all);
    assertTrue(output.stream().anyMatch(l -> l.matches("guest tests: [1-9]\\d* run, .* 0 failed, 0 skipped")),
        "the guest's summary:\n" + all);
  }
}
