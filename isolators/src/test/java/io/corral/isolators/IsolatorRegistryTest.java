package io.corral.isolators;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.isolators.namespaces.PidNamespaceIsolator;
import io.corral.posix.Linux;
import io.corral.posix.testing.FakeLinux;
import io.corral.proto.v1.CapabilityInfo;
import io.corral.proto.v1.CapabilityInfo.Capability;
import io.corral.proto.v1.ContainerInfo;
import io.corral.proto.v1.LinuxInfo;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Creation of isolators by name, and refusal of names that are not implemented yet. */
class IsolatorRegistryTest {
  private final Linux linux = new FakeLinux().linux();

  @Test
  void createsTheImplementedIsolatorsInTheGivenOrder() {
    List<String> names = IsolationFlag.parse(IsolationFlag.hostDefault(true));
    assertEquals(names,
        IsolatorRegistry.create(names, linux).stream().map(Isolator::name).toList());
  }

  @Test
  void everyCatalogEntryCreatesTheIsolatorOfItsName(@org.junit.jupiter.api.io.TempDir java.nio.file.Path work) {
    Linux xfsHost = new FakeLinux().xfs(work, java.nio.file.Path.of("/dev/loop5"), "rw,prjquota").linux();
    IsolatorRegistry.Options options = IsolatorRegistry.Options.defaults()
        .withXfs(io.corral.isolators.disk.XfsConfig.defaults().withWorkDir(work))
        .withMounts(new io.corral.isolators.filesystem.MountConfig("/mnt/mesos/sandbox", List.of(),
            new io.corral.isolators.docker.volume.DockerVolumeConfig(work.resolve("docker-volume"),
                List.of(work.resolve("plugins")), java.time.Duration.ofSeconds(1))));
    for (IsolatorCatalog.Entry entry : IsolatorCatalog.ENTRIES) {
      List<String> names = io.corral.isolators.filesystem.VolumeKinds.mounts(entry.name())
          ? List.of("filesystem/linux", entry.name()) : List.of(entry.name());
      assertEquals(names, IsolatorRegistry.create(names, xfsHost, options).stream()
          .map(Isolator::name).toList());
    }
  }

  @Test
  void theVolumeIsolatorsNeedFilesystemLinux() {
    assertEquals("Failed to create isolator 'volume/sandbox_path': the 'filesystem/linux' isolator"
        + " must be used with it", assertThrows(IllegalArgumentException.class,
            () -> IsolatorRegistry.create(List.of("filesystem/shared", "volume/sandbox_path"), linux))
            .getMessage());
  }

  @Test
  void isolatorsThatNeedRootAreRefusedToANonRootAgentByName() {
    Linux user = new FakeLinux().identity(1000, 1000).linux();
    for (IsolatorCatalog.Entry entry : IsolatorCatalog.ENTRIES) {
      if (entry.needsRoot()) {
        assertEquals("The '" + entry.name() + "' isolator requires root permissions",
            assertThrows(IllegalArgumentException.class,
                () -> IsolatorRegistry.create(List.of(entry.name()), user)).getMessage());
      }
    }
    List<String> mesosDefault = IsolationFlag.parse(IsolationFlag.hostDefault(false));
    assertEquals(mesosDefault,
        IsolatorRegistry.create(mesosDefault, user).stream().map(Isolator::name).toList());
  }

  @Test
  void createsDiskDuUnwrappedEvenWithADefaultContainerInfo() {
    IsolatorRegistry.Options options = new IsolatorRegistry.Options.Builder()
        .defaultContainerInfo(Optional.of(ContainerInfo.newBuilder().setType(ContainerInfo.Type.MESOS).build()))
        .defaultContainerShmSize(1 << 20).build()
        .withDu(new io.corral.isolators.disk.DuConfig(java.time.Duration.ofMillis(200), true, 3,
            java.time.Duration.ofSeconds(1), "/bin/du"));
    List<Isolator> isolators = IsolatorRegistry.create(
        List.of("filesystem/posix", "disk/du"), linux, options);
    io.corral.isolators.disk.DuDiskIsolator du =
        (io.corral.isolators.disk.DuDiskIsolator) isolators.get(1);
    assertEquals(options.du(), du.config());
  }

  @Test
  void createsDiskXfsUnwrappedEvenWithADefaultContainerInfo(@org.junit.jupiter.api.io.TempDir java.nio.file.Path work) {
    FakeLinux xfsHost = new FakeLinux().xfs(work, java.nio.file.Path.of("/dev/loop5"), "rw,prjquota");
    io.corral.isolators.disk.XfsConfig xfs = io.corral.isolators.disk.XfsConfig.defaults().withWorkDir(work);
    IsolatorRegistry.Options options = new IsolatorRegistry.Options.Builder()
        .defaultContainerInfo(Optional.of(ContainerInfo.newBuilder().setType(ContainerInfo.Type.MESOS).build()))
        .defaultContainerShmSize(1 << 20).xfs(xfs).build();
    List<Isolator> isolators = IsolatorRegistry.create(
        List.of("filesystem/posix", "disk/xfs"), xfsHost.linux(), options);
    assertEquals(io.corral.isolators.disk.XfsDiskIsolator.class, isolators.get(1).getClass(),
        "the containerizer finds it by its class to drive its kill check");
  }

  @Test
  void createsTheCgroupsIsolatorsOverOneSetOfLockedHierarchies() {
    FakeLinux kernel = new FakeLinux();
    List<String> names = IsolationFlag.parse("cgroups/cpu,cgroups/mem,cgroups/pids,cgroups/net_cls");
    assertEquals(names, IsolatorRegistry.create(names, kernel.linux()).stream()
        .map(Isolator::name).toList());
    for (String subsystem : List.of("cpu", "cpuacct", "memory", "pids", "net_cls")) {
      assertTrue(kernel.isLocked(java.nio.file.Path.of("/sys/fs/cgroup", subsystem, "corral")),
          subsystem);
    }
    // A second agent on the same root is refused at start.
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> IsolatorRegistry.create(names, kernel.linux()));
    assertTrue(e.getMessage().startsWith("Failed to lock cgroups root '/sys/fs/cgroup/cpu/corral'"
        + ": another live agent owns it"), e.getMessage());
  }

  @Test
  void unknownNamesAreRefused() {
    assertEquals("Unknown or unsupported isolator 'network/port_mapping'",
        assertThrows(IllegalArgumentException.class,
            () -> IsolatorRegistry.create(List.of("network/port_mapping"), linux)).getMessage());
  }

  @Test
  void optionsReachThePidNamespaceIsolator() {
    Isolator pid = IsolatorRegistry.create(List.of("namespaces/pid"), linux,
        new IsolatorRegistry.Options.Builder().disallowSharingAgentPidNamespace(true).build()).get(0);
    ContainerInfo sharing = ContainerInfo.newBuilder().setType(ContainerInfo.Type.MESOS)
        .setLinuxInfo(LinuxInfo.newBuilder().setSharePidNamespace(true)).build();
    assertEquals(PidNamespaceIsolator.class, pid.getClass());
    assertThrows(IsolatorException.class, () -> pid.prepare(Contexts.of("c1", sharing)));
  }

  @Test
  void createsTheFilesystemRlimitsCapabilitiesNnpAndIpcIsolators() {
    List<String> names = IsolationFlag.parse(
        "filesystem/shared,posix/rlimits,linux/capabilities,linux/nnp,namespaces/ipc");
    assertEquals(names,
        IsolatorRegistry.create(names, linux).stream().map(Isolator::name).toList());
  }

  @Test
  void optionsReachTheIpcAndCapabilitiesIsolators() {
    IsolatorRegistry.Options options = new IsolatorRegistry.Options.Builder()
        .defaultContainerShmSize(1L << 20).disallowSharingAgentIpcNamespace(true)
        .effectiveCapabilities(Optional.of(Set.of(Capability.CHOWN))).build();
    List<Isolator> isolators = IsolatorRegistry.create(
        List.of("linux/capabilities", "namespaces/ipc"), linux, options);
    ContainerInfo request = ContainerInfo.newBuilder().setType(ContainerInfo.Type.MESOS)
        .setLinuxInfo(LinuxInfo.newBuilder()
            .setIpcMode(LinuxInfo.IpcMode.SHARE_PARENT)
            .setEffectiveCapabilities(CapabilityInfo.newBuilder()
                .addCapabilities(Capability.NET_RAW))).build();
    ContainerContext c = Contexts.of("c1", request);
    assertTrue(assertThrows(IsolatorException.class, () -> isolators.get(0).prepare(c))
        .getMessage().contains("'NET_RAW'"));
    assertTrue(assertThrows(IsolatorException.class, () -> isolators.get(1).prepare(c))
        .getMessage().contains("Sharing agent IPC namespace"));
    assertEquals("mode=1777,size=1048576", isolators.get(1).prepare(Contexts.of("c2"))
        .getMounts(0).getData());
  }

  @Test
  void capabilityFlagsThatContradictEachOtherStopTheAgent() {
    IsolatorRegistry.Options options = new IsolatorRegistry.Options.Builder()
        .defaultContainerShmSize(1L << 20).effectiveCapabilities(Optional.of(Set.of(Capability.CHOWN, Capability.NET_RAW)))
        .boundingCapabilities(Optional.of(Set.of(Capability.CHOWN))).build();
    assertEquals("Failed to create isolator 'linux/capabilities': Allowed capabilities are not a"
        + " subset of the bounding capabilities: 'NET_RAW' not in 'CHOWN'",
        assertThrows(IllegalArgumentException.class, () -> IsolatorRegistry.create(
            List.of("linux/capabilities"), linux, options)).getMessage());
  }
}
