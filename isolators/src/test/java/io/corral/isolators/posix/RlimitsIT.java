package io.corral.isolators.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.isolators.Isolator;
import io.corral.isolators.RealLaunches;
import io.corral.proto.v1.ContainerInfo;
import io.corral.proto.v1.RLimitInfo;
import io.corral.proto.v1.RLimitInfo.RLimit.Type;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** posix/rlimits in real containers (Mesos' {@code PosixRLimitsIsolatorTest}). */
@Tag("root")
class RlimitsIT {
  @TempDir Path dir;
  private RealLaunches launches;
  private final List<Isolator> isolators = List.of(new RlimitsIsolator());

  @BeforeEach
  void setUp() {
    launches = new RealLaunches(dir);
  }

  private static ContainerInfo limits(RLimitInfo.RLimit... limits) {
    return ContainerInfo.newBuilder().setType(ContainerInfo.Type.MESOS)
        .setRlimitInfo(RLimitInfo.newBuilder().addAllRlimits(List.of(limits))).build();
  }

  private static RLimitInfo.RLimit limit(Type type, long soft, long hard) {
    return RLimitInfo.RLimit.newBuilder().setType(type).setSoft(soft).setHard(hard).build();
  }

  @Test
  void ulimitShowsTheLimits() throws Exception {
    RealLaunches.Result result = launches.run(isolators, limits(
        limit(Type.RLMT_NOFILE, 256, 512), limit(Type.RLMT_CPU, 10000, 20000),
        RLimitInfo.RLimit.newBuilder().setType(Type.RLMT_CORE).build()),
        "ulimit -n; ulimit -Hn; ulimit -t; ulimit -c; ulimit -Hc");
    assertNull(result.failure(), () -> result.failure() + " " + result.stderr());
    assertEquals("256\n512\n10000\nunlimited\nunlimited\n", result.stdout());
  }

  @Test
  void aLimitTheKernelRefusesFailsTheLaunchAtTheRlimitStep() throws Exception {
    // RLIMIT_NOFILE cannot exceed fs.nr_open, not even for root: unlimited is EPERM.
    RealLaunches.Result result = launches.run(isolators, limits(
        RLimitInfo.RLimit.newBuilder().setType(Type.RLMT_NOFILE).build()), "echo ran");
    assertNotNull(result.failure(), "the launch failed");
    assertEquals("rlimit", result.failure().step());
    assertTrue(result.failure().getMessage().contains("EPERM"), result.failure().getMessage());
    assertEquals("", result.stdout(), "the command never ran");
  }

  @Test
  void aCpuLimitKillsABusyCommand() throws Exception {
    RealLaunches.Result result = launches.run(isolators, limits(limit(Type.RLMT_CPU, 1, 1)),
        "while :; do :; done");
    assertTrue(result.exitCode() == -1 || result.exitCode() > 128,
        "killed by SIGXCPU or SIGKILL: status " + result.status());
  }
}
