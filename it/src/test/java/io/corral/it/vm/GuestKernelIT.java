package io.corral.it.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.it.support.Host;
import java.util.List;
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

  @Test
  void theKernelTestsPassOnCgroupV2AndXfsQuota() throws Exception {
    assumeTrue(Host.isRoot(), "needs root: the guest boots with the host's qemu or user-mode Linux");
    GuestRun.Result run = GuestRun.run(TESTS);
    String all = run.all();
    assertEquals(0, run.exit(), "the guest's tests failed or skipped:\n" + all);
    assertTrue(run.output().stream().anyMatch(l -> l.matches("guest tests: [1-9]\\d* run, .* 0 failed, 0 skipped")),
        "the guest's summary:\n" + all);
  }
}
