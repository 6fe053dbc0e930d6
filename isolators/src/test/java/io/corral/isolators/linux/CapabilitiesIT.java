package io.corral.isolators.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.corral.isolators.Isolator;
import io.corral.isolators.RealLaunches;
import io.corral.proto.v1.CapabilityInfo;
import io.corral.proto.v1.CommandInfo;
import io.corral.proto.v1.CapabilityInfo.Capability;
import io.corral.proto.v1.ContainerInfo;
import io.corral.proto.v1.LinuxInfo;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * linux/capabilities and linux/nnp in real containers: the command's capability sets and
 * {@code NoNewPrivs}, read from {@code /proc/self/status} inside (Mesos'
 * {@code LinuxCapabilitiesIsolatorTest}).
 */
@Tag("root")
class CapabilitiesIT {
  @TempDir Path dir;
  private RealLaunches launches;

  @BeforeEach
  void setUp() {
    launches = new RealLaunches(dir);
  }

  private Map<String, String> status(List<Isolator> isolators, LinuxInfo.Builder linux)
      throws Exception {
    RealLaunches.Result result = launches.run(isolators, ContainerInfo.newBuilder()
        .setType(ContainerInfo.Type.MESOS).setLinuxInfo(linux).build(),
        "grep -E '^(Cap|NoNewPrivs)' /proc/self/status");
    assertNull(result.failure(), () -> result.failure() + " " + result.stderr());
    assertEquals(0, result.exitCode(), result.stderr());
    return result.stdout().lines().map(l -> l.split(":\\s+"))
        .collect(Collectors.toMap(f -> f[0], f -> f[1]));
  }

  private static String hex(long mask) {
    return String.format("%016x", mask);
  }

  @Test
  void theCommandRunsWithExactlyTheRequestedSets() throws Exception {
    long requested = CapabilitiesIsolator.mask(List.of(Capability.CHOWN, Capability.NET_RAW));
    Map<String, String> caps = status(
        List.of(new CapabilitiesIsolator(Optional.empty(), Optional.empty())),
        LinuxInfo.newBuilder().setEffectiveCapabilities(CapabilityInfo.newBuilder()
            .addCapabilities(Capability.CHOWN).addCapabilities(Capability.NET_RAW)));
    assertEquals(hex(requested), caps.get("CapEff"));
    assertEquals(hex(requested), caps.get("CapPrm"));
    assertEquals(hex(requested), caps.get("CapInh"));
    assertEquals(hex(requested), caps.get("CapAmb"));
    assertEquals(hex(requested), caps.get("CapBnd"), "the bounding set defaults to the effective");
    assertEquals("0", caps.get("NoNewPrivs"));
  }

  @Test
  void anExplicitBoundingSetAndTheAgentDefaultApply() throws Exception {
    Map<String, String> caps = status(List.of(new CapabilitiesIsolator(
        Optional.of(Set.of(Capability.KILL)),
        Optional.of(Set.of(Capability.KILL, Capability.SYS_ADMIN, Capability.NET_RAW)))),
        LinuxInfo.newBuilder().setBoundingCapabilities(CapabilityInfo.newBuilder()
            .addCapabilities(Capability.KILL).addCapabilities(Capability.SYS_ADMIN)));
    assertEquals(hex(1L << 5), caps.get("CapEff"));
    assertEquals(hex(1L << 5 | 1L << 21), caps.get("CapBnd"));
  }

  @Test
  void anEmptyListDropsEverythingAndNnpIsSet() throws Exception {
    Map<String, String> caps = status(List.of(
        new CapabilitiesIsolator(Optional.empty(), Optional.empty()), new NoNewPrivilegesIsolator()),
        LinuxInfo.newBuilder().setEffectiveCapabilities(CapabilityInfo.getDefaultInstance()));
    assertEquals(hex(0), caps.get("CapEff"));
    assertEquals(hex(0), caps.get("CapBnd"));
    assertEquals("1", caps.get("NoNewPrivs"));
  }

  @Test
  void aNonRootUserGetsTheRequestedSetsThroughAmbient() throws Exception {
    RealLaunches.Result result = launches.run(
        List.of(new CapabilitiesIsolator(Optional.empty(), Optional.empty())),
        ContainerInfo.newBuilder().setType(ContainerInfo.Type.MESOS).setLinuxInfo(
            LinuxInfo.newBuilder().setEffectiveCapabilities(CapabilityInfo.newBuilder()
                .addCapabilities(Capability.NET_RAW))).build(),
        CommandInfo.newBuilder().setUser("nobody")
            .setValue("id -u; grep -E '^Cap(Eff|Amb|Bnd)' /proc/self/status").build(),
        (launched, sandbox) -> {});
    assertNull(result.failure(), () -> result.failure() + " " + result.stderr());
    String mask = hex(1L << 13);
    assertEquals("65534\nCapEff:\t" + mask + "\nCapBnd:\t" + mask + "\nCapAmb:\t" + mask
        + "\n", result.stdout());
  }
}
