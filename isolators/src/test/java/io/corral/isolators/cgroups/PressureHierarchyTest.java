package io.corral.isolators.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.isolators.ContainerContext;
import io.corral.posix.cgroup.CgroupFs;
import io.corral.posix.testing.FakeLinux;
import io.corral.proto.v1.ResourceStatistics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pressure stall information on a v1 host with a cgroup2 mount (systemd's hybrid layout), over
 * {@link FakeLinux}: where the container's cgroup2 cgroup comes from, its lifecycle beside the v1
 * cgroups, and the policy for a missing mount, {@code none}, a mount that is not cgroup2 and a
 * kernel without PSI. The real kernel's side is {@code PressureIT} in {@code it/}.
 */
class PressureHierarchyTest {
  private static final Path UNIFIED = Path.of("/sys/fs/cgroup/unified");
  private static final String PSI = "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
      + "full avg10=0.00 avg60=0.00 avg300=0.00 total=0";
  private final FakeLinux kernel = new FakeLinux().addProcess(42, 1, 42, 0, 0, 0)
      .addProcess(43, 1, 43, 0, 0, 0);
  @TempDir
  Path dir;

  private Hierarchies hybrid(String flag, boolean psi) throws IOException {
    kernel.cgroupFile(UNIFIED, "cgroup.controllers", "");
    if (psi) {
      List.of("cpu.pressure", "memory.pressure", "io.pressure")
          .forEach(file -> kernel.cgroupFile(UNIFIED, file, PSI));
    }
    return new Hierarchies(kernel.linux(), CgroupsConfig.defaults().withPressureHierarchy(flag),
        mountinfo("40 30 0:37 / " + UNIFIED + " rw,relatime - cgroup2 cgroup2 rw"));
  }

  private Path mountinfo(String... lines) throws IOException {
    Path file = Files.createTempFile(dir, "mountinfo", "");
    Files.write(file, List.of(lines));
    return file;
  }

  private CgroupFs unified() {
    return kernel.linux().cgroups().at(UNIFIED);
  }

  @Test
  void aContainerGetsACgroup2CgroupHeldByCpuAndMemUntilBothLetGo() throws IOException {
    Hierarchies hierarchies = hybrid(CgroupsConfig.PRESSURE_AUTO, true);
    CgroupsCpuIsolator cpu = new CgroupsCpuIsolator(hierarchies);
    CgroupsMemIsolator mem = new CgroupsMemIsolator(hierarchies);
    assertTrue(kernel.isLocked(UNIFIED.resolve("corral")));
    ContainerContext c1 = Launches.of("c1", Map.of("cpus", 1.0, "mem", 64.0), Map.of());
    cpu.prepare(c1);
    mem.prepare(c1);
    cpu.isolate(c1, 42);
    mem.isolate(c1, 42);
    assertEquals(List.of(42), unified().procs("corral/c1"));
    assertEquals("1024", kernel.linux().cgroups().at(Path.of("/sys/fs/cgroup/cpu"))
        .read("corral/c1", "cpu.shares"), "the v1 cgroups are as before");
    kernel.cgroupState(UNIFIED, "corral/c1", "cpu.pressure",
        "some avg10=50.00 avg60=20.00 avg300=5.00 total=3000000\n"
            + "full avg10=0.00 avg60=0.00 avg300=0.00 total=0");
    kernel.cgroupState(UNIFIED, "corral/c1", "io.pressure",
        "some avg10=1.00 avg60=1.00 avg300=1.00 total=77\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=5");
    ResourceStatistics.Builder stats = ResourceStatistics.newBuilder().setTimestamp(0);
    cpu.usage(c1, stats);
    mem.usage(c1, stats);
    assertEquals(3000000, stats.getCpuPressure().getSomeTotalMicrosecs());
    assertEquals(50.0, stats.getCpuPressure().getSomeAvg10(), 1e-9);
    assertEquals(0, stats.getMemoryPressure().getSomeTotalMicrosecs());
    assertTrue(stats.hasMemoryPressure());
    assertEquals(5, stats.getIoPressure().getFullTotalMicrosecs());
    kernel.removeProcess(42);
    cpu.cleanup(c1);
    assertTrue(unified().exists("corral/c1"), "cgroups/mem still holds it");
    mem.cleanup(c1);
    assertFalse(unified().exists("corral/c1"));
    hierarchies.close();
    assertFalse(kernel.isLocked(UNIFIED.resolve("corral")));
  }

  @Test
  void recoverAdoptsKnownCgroupsAndRemovesOrphansKillingWhatIsLeft() throws IOException {
    Hierarchies hierarchies = hybrid(CgroupsConfig.PRESSURE_AUTO, true);
    CgroupsCpuIsolator cpu = new CgroupsCpuIsolator(hierarchies);
    CgroupFs v1 = kernel.linux().cgroups().at(Path.of("/sys/fs/cgroup/cpu"));
    v1.mkdir("corral/known");
    kernel.linux().cgroups().at(Path.of("/sys/fs/cgroup/cpuacct")).mkdir("corral/known");
    unified().mkdir("corral/known");
    unified().mkdir("corral/orphan");
    unified().attach("corral/orphan", 43);
    ContainerContext known = Launches.of("known", Map.of(), Map.of());
    cpu.recover(List.of(known));
    assertEquals(List.of("known"), unified().children("corral"));
    assertTrue(kernel.calls().stream().anyMatch(c -> c.startsWith("kill pid=43")),
        kernel.calls().toString());
    cpu.cleanup(known);
    assertEquals(List.of(), unified().children("corral"));
  }

  @Test
  void withoutACgroup2MountOrWithNoneNothingChangesOnV1() throws IOException {
    for (Hierarchies hierarchies : List.of(
        new Hierarchies(kernel.linux(), CgroupsConfig.defaults(),
            mountinfo("30 1 0:26 / /sys/fs/cgroup rw - tmpfs tmpfs rw")),
        hybrid(CgroupsConfig.PRESSURE_NONE, true))) {
      CgroupsCpuIsolator cpu = new CgroupsCpuIsolator(hierarchies);
      ContainerContext c1 = Launches.of("c1", Map.of("cpus", 1.0), Map.of());
      cpu.prepare(c1);
      cpu.isolate(c1, 42);
      ResourceStatistics.Builder stats = ResourceStatistics.newBuilder().setTimestamp(0);
      cpu.usage(c1, stats);
      assertFalse(stats.hasCpuPressure());
      assertFalse(unified().exists("corral"));
      kernel.removeProcess(42);
      cpu.cleanup(c1);
      hierarchies.close();
      kernel.addProcess(42, 1, 42, 0, 0, 0);
    }
  }

  @Test
  void aNamedMountThatIsNotCgroup2StopsTheAgentWhileAutoOnlyTurnsPressureOff() throws IOException {
    Hierarchies named = new Hierarchies(kernel.linux(),
        CgroupsConfig.defaults().withPressureHierarchy("/srv/not-cgroup2"), mountinfo());
    assertEquals("Failed to prepare --cgroups_pressure_hierarchy: '/srv/not-cgroup2' is not a"
        + " cgroup2 mount (no cgroup.controllers)", assertThrows(IllegalArgumentException.class,
            () -> new CgroupsCpuIsolator(named)).getMessage());
    Hierarchies auto = new Hierarchies(kernel.linux(), CgroupsConfig.defaults(),
        mountinfo("40 30 0:37 / /srv/not-cgroup2 rw - cgroup2 cgroup2 rw"));
    assertTrue(auto.pressure().isEmpty());
    assertEquals("Invalid --cgroups_pressure_hierarchy 'relative': expected 'auto', 'none' or an"
        + " absolute path", assertThrows(IllegalArgumentException.class,
            () -> CgroupsConfig.defaults().withPressureHierarchy("relative")).getMessage());
  }

  @Test
  void aKernelWithoutPsiGetsNoCgroup2CgroupsAndTheRootIsRemovedAgain() throws IOException {
    Hierarchies hierarchies = hybrid(CgroupsConfig.PRESSURE_AUTO, false);
    CgroupsCpuIsolator cpu = new CgroupsCpuIsolator(hierarchies);
    assertTrue(hierarchies.pressure().isEmpty());
    assertFalse(unified().exists("corral"));
    assertFalse(kernel.isLocked(UNIFIED.resolve("corral")));
    ContainerContext c1 = Launches.of("c1", Map.of(), Map.of());
    cpu.prepare(c1);
    assertFalse(unified().exists("corral/c1"));
  }

  @Test
  void aMalformedPressureFileLeavesTheOtherStatisticsInPlace() throws IOException {
    Hierarchies hierarchies = hybrid(CgroupsConfig.PRESSURE_AUTO, true);
    CgroupsCpuIsolator cpu = new CgroupsCpuIsolator(hierarchies);
    ContainerContext c1 = Launches.of("c1", Map.of(), Map.of());
    cpu.prepare(c1);
    kernel.cgroupState(UNIFIED, "corral/c1", "cpu.pressure", "some avg10=x");
    kernel.cgroupState(Path.of("/sys/fs/cgroup/cpuacct"), "corral/c1", "cpuacct.stat",
        "user 100\nsystem 0");
    ResourceStatistics.Builder stats = ResourceStatistics.newBuilder().setTimestamp(0);
    cpu.usage(c1, stats);
    assertFalse(stats.hasCpuPressure());
    assertTrue(stats.getCpusUserTimeSecs() > 0);
  }

  @Test
  void onV2ThePressureComesFromTheContainersOwnCgroup() {
    Path v2 = Path.of("/sys/fs/cgroup");
    Map.of("cgroup.controllers", "cpu memory", "cgroup.subtree_control", "",
        "cpu.weight", "100", "cpu.max", "max 100000", "cpu.stat", "usage_usec 0",
        "cpu.pressure", PSI).forEach((file, value) -> kernel.cgroupFile(v2, file, value));
    Hierarchies hierarchies = new Hierarchies(kernel.linux(), CgroupsConfig.defaults());
    CgroupsCpuIsolator cpu = new CgroupsCpuIsolator(hierarchies);
    ContainerContext c1 = Launches.of("c1", Map.of(), Map.of());
    cpu.prepare(c1);
    kernel.cgroupState(v2, "corral/c1", "cpu.pressure",
        "some avg10=1.00 avg60=0.00 avg300=0.00 total=42");
    ResourceStatistics.Builder stats = ResourceStatistics.newBuilder().setTimestamp(0);
    cpu.usage(c1, stats);
    assertEquals(42, stats.getCpuPressure().getSomeTotalMicrosecs());
    assertFalse(stats.getCpuPressure().hasFullTotalMicrosecs());
    cpu.cleanup(c1);
    assertFalse(kernel.linux().cgroups().at(v2).exists("corral/c1"));
  }
}
