package io.corral.isolators;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.corral.isolators.namespaces.PidNamespaceIsolator;
import io.corral.posix.Linux;
import io.corral.posix.testing.FakeLinux;
import io.corral.proto.v1.ContainerInfo;
import io.corral.proto.v1.LinuxInfo;
import java.util.List;
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
  void knownButUnimplementedNamesAreRefused() {
    for (String name : List.of("cgroups/cpu", "cgroups/mem", "cgroups/pids", "cgroups/net_cls",
        "filesystem/shared", "namespaces/ipc", "linux/capabilities", "posix/rlimits", "disk/du",
        "disk/xfs")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> IsolatorRegistry.create(List.of("filesystem/posix", name), linux));
      assertEquals("Isolator '" + name + "' is not supported yet", e.getMessage());
    }
  }

  @Test
  void unknownNamesAreRefused() {
    assertEquals("Unknown or unsupported isolator 'network/cni'",
        assertThrows(IllegalArgumentException.class,
            () -> IsolatorRegistry.create(List.of("network/cni"), linux)).getMessage());
  }

  @Test
  void optionsReachThePidNamespaceIsolator() {
    Isolator pid = IsolatorRegistry.create(List.of("namespaces/pid"), linux,
        new IsolatorRegistry.Options(true)).get(0);
    ContainerInfo sharing = ContainerInfo.newBuilder().setType(ContainerInfo.Type.MESOS)
        .setLinuxInfo(LinuxInfo.newBuilder().setSharePidNamespace(true)).build();
    assertEquals(PidNamespaceIsolator.class, pid.getClass());
    assertThrows(IsolatorException.class, () -> pid.prepare(Contexts.of("c1", sharing)));
  }
}
