package io.corral.isolators.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.isolators.ContainerContext;
import io.corral.isolators.Contexts;
import io.corral.isolators.IsolatorException;
import io.corral.posix.cgroup.CgroupFs;
import io.corral.posix.testing.FakeLinux;
import io.corral.proto.v1.ContainerStatus;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class CgroupsNetClsIsolatorTest {
  private static final Path NET_CLS = Path.of("/sys/fs/cgroup/net_cls");
  private final FakeLinux kernel = new FakeLinux().unmounted(NET_CLS);

  private CgroupsNetClsIsolator isolator(Integer primary, int low, int high) {
    return new CgroupsNetClsIsolator(new Hierarchies(kernel.linux(),
        CgroupsConfig.defaults().withNetCls(primary, low, high)));
  }

  private CgroupFs netCls() {
    return kernel.linux().cgroups().at(NET_CLS);
  }

  private static long classid(CgroupsNetClsIsolator isolator, ContainerContext container) {
    ContainerStatus.Builder status = ContainerStatus.newBuilder();
    isolator.status(container, status);
    return Integer.toUnsignedLong(status.getCgroupInfo().getNetCls().getClassid());
  }

  @Test
  void mountsTheHierarchyWhenItIsNotMounted() {
    isolator(null, 1, 0xffff);
    assertTrue(kernel.calls().contains("mount dst='/sys/fs/cgroup/net_cls' data='net_cls'"),
        kernel.calls().toString());
    assertTrue(netCls().exists("corral"));
  }

  @Test
  void withoutAPrimaryHandleOnlyTheCgroupIsCreated() {
    CgroupsNetClsIsolator isolator = isolator(null, 1, 0xffff);
    ContainerContext c1 = Contexts.of("c1");
    isolator.prepare(c1);
    assertTrue(netCls().exists("corral/c1"));
    assertEquals("0", netCls().read("corral/c1", "net_cls.classid"));
    ContainerStatus.Builder status = ContainerStatus.newBuilder();
    isolator.status(c1, status);
    assertFalse(status.hasCgroupInfo());
  }

  @Test
  void lowestFreeSecondaryHandlesAreDistinctAndFreedAtCleanup() {
    CgroupsNetClsIsolator isolator = isolator(0xAAAA, 0x10, 0x12);
    ContainerContext c1 = Contexts.of("c1");
    ContainerContext c2 = Contexts.of("c2");
    isolator.prepare(c1);
    isolator.prepare(c2);
    assertEquals(0xAAAA0010L, classid(isolator, c1));
    assertEquals(0xAAAA0011L, classid(isolator, c2));
    assertEquals(Long.toString(0xAAAA0010L), netCls().read("corral/c1", "net_cls.classid"));
    isolator.cleanup(c1);
    assertEquals(1, isolator.handlesInUse());
    ContainerContext c3 = Contexts.of("c3");
    isolator.prepare(c3);
    assertEquals(0xAAAA0010L, classid(isolator, c3), "the lowest free handle again");
  }

  @Test
  void anExhaustedRangeFailsThatLaunchOnly() {
    CgroupsNetClsIsolator isolator = isolator(0xAAAA, 1, 1);
    isolator.prepare(Contexts.of("c1"));
    ContainerContext c2 = Contexts.of("c2");
    IsolatorException e = assertThrows(IsolatorException.class, () -> isolator.prepare(c2));
    assertEquals("Failed to allocate a net_cls handle: No free handles remaining for primary"
        + " handle 0xaaaa", e.getMessage());
    isolator.cleanup(c2);
    assertFalse(netCls().exists("corral/c2"));
    assertEquals(1, isolator.handlesInUse());
  }

  @Test
  void recoveredHandlesAreNotHandedOutAgain() {
    kernel.linux().cgroupKernel().mountV1(NET_CLS, "net_cls");
    netCls().mkdir("corral");
    netCls().mkdir("corral/old");
    netCls().write("corral/old", "net_cls.classid", Long.toString(0xAAAA0001L));
    CgroupsNetClsIsolator isolator = isolator(0xAAAA, 1, 0xffff);
    isolator.recover(List.of(Contexts.of("old")));
    ContainerContext c1 = Contexts.of("c1");
    isolator.prepare(c1);
    assertEquals(0xAAAA0002L, classid(isolator, c1));
    assertEquals(0xAAAA0001L, classid(isolator, Contexts.of("old")));
  }

  @Test
  void aRecoveredHandleOfAnotherPrimaryFailsRecovery() {
    kernel.linux().cgroupKernel().mountV1(NET_CLS, "net_cls");
    netCls().mkdir("corral");
    netCls().mkdir("corral/old");
    netCls().write("corral/old", "net_cls.classid", Long.toString(0xBBBB0001L));
    CgroupsNetClsIsolator isolator = isolator(0xAAAA, 1, 0xffff);
    IsolatorException e = assertThrows(IsolatorException.class,
        () -> isolator.recover(List.of(Contexts.of("old"))));
    assertTrue(e.getMessage().startsWith("Failed to recover: container 'old'"), e.getMessage());
  }
}
