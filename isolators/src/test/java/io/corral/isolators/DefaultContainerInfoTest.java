package io.corral.isolators;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.corral.posix.testing.FakeLinux;
import io.corral.proto.v1.ContainerInfo;
import io.corral.proto.v1.ContainerStatus;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.RLimitInfo;
import io.corral.proto.v1.ResourceStatistics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code --default_container_info} as every isolator sees it, through the registry. */
class DefaultContainerInfoTest {
  private static final ContainerInfo DEFAULTS = ContainerInfo.newBuilder()
      .setType(ContainerInfo.Type.MESOS)
      .setRlimitInfo(RLimitInfo.newBuilder().addRlimits(RLimitInfo.RLimit.newBuilder()
          .setType(RLimitInfo.RLimit.Type.RLMT_NOFILE).setSoft(64).setHard(64)))
      .build();

  private static ContainerContext withoutContainerInfo() {
    ContainerContext c = Contexts.of("c1");
    return new ContainerContext(c.id(), c.launch().toBuilder().clearContainer().build(),
        c.sandbox(), c.runtimeDir());
  }

  @Test
  void aLaunchWithoutContainerInfoGetsTheDefaultInEveryIsolator() {
    IsolatorRegistry.Options options = new IsolatorRegistry.Options.Builder()
        .defaultContainerInfo(Optional.of(DEFAULTS)).defaultContainerShmSize(1L << 20).build();
    Isolator rlimits = IsolatorRegistry.create(List.of("posix/rlimits"), new FakeLinux().linux(),
        options).get(0);
    assertEquals("posix/rlimits", rlimits.name());
    LaunchPlan plan = rlimits.prepare(withoutContainerInfo());
    assertEquals(64, plan.getRlimits(0).getSoft());
    assertEquals(0, rlimits.prepare(Contexts.of("c2")).getRlimitsCount(),
        "a launch's own ContainerInfo wins, even without rlimits");
  }

  @Test
  void everyPhaseSeesTheSameContainerInfo() {
    List<ContainerInfo> seen = new ArrayList<>();
    Isolator recording = new Isolator() {
      @Override
      public String name() {
        return "test/recording";
      }

      @Override
      public void recover(List<ContainerContext> recovered) {
        recovered.forEach(c -> seen.add(c.launch().getContainer()));
      }

      @Override
      public LaunchPlan prepare(ContainerContext c) {
        seen.add(c.launch().getContainer());
        return LaunchPlan.getDefaultInstance();
      }

      @Override
      public void isolate(ContainerContext c, int pid) {
        seen.add(c.launch().getContainer());
      }

      @Override
      public void update(ContainerContext c, List<io.corral.proto.v1.Resource> r, Map<String, Double> l) {
        seen.add(c.launch().getContainer());
      }

      @Override
      public void usage(ContainerContext c, ResourceStatistics.Builder s) {
        seen.add(c.launch().getContainer());
      }

      @Override
      public void status(ContainerContext c, ContainerStatus.Builder s) {
        seen.add(c.launch().getContainer());
      }

      @Override
      public void cleanup(ContainerContext c) {
        seen.add(c.launch().getContainer());
      }
    };
    DefaultContainerInfo wrapped = new DefaultContainerInfo(recording, DEFAULTS);
    ContainerContext c = withoutContainerInfo();
    wrapped.recover(List.of(c));
    wrapped.prepare(c);
    wrapped.isolate(c, 1);
    wrapped.update(c, List.of(), Map.of());
    wrapped.usage(c, ResourceStatistics.newBuilder());
    wrapped.status(c, ContainerStatus.newBuilder());
    wrapped.cleanup(c);
    assertEquals(7, seen.size());
    seen.forEach(info -> assertEquals(DEFAULTS, info));
    ContainerContext own = Contexts.of("c2");
    assertSame(own, wrapped.apply(own));
  }
}
