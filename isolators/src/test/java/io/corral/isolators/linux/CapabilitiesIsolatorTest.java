package io.corral.isolators.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.isolators.Contexts;
import io.corral.isolators.IsolatorException;
import io.corral.proto.v1.CapabilityInfo;
import io.corral.proto.v1.CapabilityInfo.Capability;
import io.corral.proto.v1.ContainerInfo;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.LinuxInfo;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** linux/capabilities on its returned plans: resolution, ceilings, masks and refusals. */
class CapabilitiesIsolatorTest {
  private static final long CHOWN = 1L;
  private static final long NET_RAW = 1L << 13;
  private static final long SYS_ADMIN = 1L << 21;

  private static CapabilityInfo caps(Capability... capabilities) {
    return CapabilityInfo.newBuilder().addAllCapabilities(List.of(capabilities)).build();
  }

  private static LaunchPlan prepare(CapabilitiesIsolator isolator, LinuxInfo.Builder linux) {
    return isolator.prepare(Contexts.of("c1", ContainerInfo.newBuilder()
        .setType(ContainerInfo.Type.MESOS).setLinuxInfo(linux).build()));
  }

  private static String refusal(CapabilitiesIsolator isolator, LinuxInfo.Builder linux) {
    return assertThrows(IsolatorException.class, () -> prepare(isolator, linux)).getMessage();
  }

  private static CapabilitiesIsolator agent(Set<Capability> effective, Set<Capability> bounding) {
    return new CapabilitiesIsolator(Optional.ofNullable(effective), Optional.ofNullable(bounding));
  }

  @Test
  void masksAreTheLinuxNumbers() {
    assertEquals(0, CapabilitiesIsolator.number(Capability.CHOWN));
    assertEquals(40, CapabilitiesIsolator.number(Capability.CHECKPOINT_RESTORE));
    assertEquals(CHOWN | NET_RAW, CapabilitiesIsolator.mask(List.of(Capability.CHOWN,
        Capability.NET_RAW)));
  }

  @Test
  void nothingRequestedAnywhereLeavesTheCapabilitiesAlone() {
    LaunchPlan plan = agent(null, null).prepare(Contexts.of("c1"));
    assertFalse(plan.hasEffectiveCapabilities());
    assertFalse(plan.hasBoundingCapabilities());
  }

  @Test
  void theBoundingSetDefaultsToTheEffectiveSet() {
    LaunchPlan plan = prepare(agent(null, null), LinuxInfo.newBuilder()
        .setEffectiveCapabilities(caps(Capability.CHOWN, Capability.NET_RAW)));
    assertEquals(CHOWN | NET_RAW, plan.getEffectiveCapabilities());
    assertEquals(CHOWN | NET_RAW, plan.getBoundingCapabilities());
  }

  @Test
  void anEmptyListDropsEverything() {
    LaunchPlan plan = prepare(agent(null, null), LinuxInfo.newBuilder()
        .setEffectiveCapabilities(caps()));
    assertTrue(plan.hasEffectiveCapabilities());
    assertEquals(0, plan.getEffectiveCapabilities());
    assertEquals(0, plan.getBoundingCapabilities());
  }

  @Test
  void theDeprecatedCapabilityInfoIsTheEffectiveSet() {
    LaunchPlan plan = prepare(agent(null, null), LinuxInfo.newBuilder()
        .setCapabilityInfo(caps(Capability.NET_RAW)));
    assertEquals(NET_RAW, plan.getEffectiveCapabilities());
    assertEquals("Failed to prepare: 'linux_info.capability_info' and"
        + " 'linux_info.effective_capabilities' cannot both be set",
        refusal(agent(null, null), LinuxInfo.newBuilder()
            .setCapabilityInfo(caps(Capability.NET_RAW))
            .setEffectiveCapabilities(caps(Capability.NET_RAW))));
  }

  @Test
  void aFrameworkBoundingSetIsKept() {
    LaunchPlan plan = prepare(agent(null, null), LinuxInfo.newBuilder()
        .setEffectiveCapabilities(caps(Capability.CHOWN))
        .setBoundingCapabilities(caps(Capability.CHOWN, Capability.SYS_ADMIN)));
    assertEquals(CHOWN, plan.getEffectiveCapabilities());
    assertEquals(CHOWN | SYS_ADMIN, plan.getBoundingCapabilities());
    LaunchPlan boundingOnly = prepare(agent(null, null), LinuxInfo.newBuilder()
        .setBoundingCapabilities(caps(Capability.NET_RAW)));
    assertFalse(boundingOnly.hasEffectiveCapabilities());
    assertEquals(NET_RAW, boundingOnly.getBoundingCapabilities());
  }

  @Test
  void theAgentFlagsApplyWhenTheFrameworkSetsNothing() {
    LaunchPlan plan = agent(Set.of(Capability.CHOWN), Set.of(Capability.CHOWN, Capability.NET_RAW))
        .prepare(Contexts.of("c1"));
    assertEquals(CHOWN, plan.getEffectiveCapabilities());
    assertEquals(CHOWN | NET_RAW, plan.getBoundingCapabilities());
  }

  @Test
  void aRequestAboveTheCeilingIsRefusedNamingTheCapability() {
    CapabilitiesIsolator ceiling = agent(Set.of(Capability.CHOWN, Capability.NET_RAW), null);
    assertEquals("Failed to prepare: effective capabilities 'SYS_ADMIN' are not allowed; the agent"
        + " allows only 'CHOWN,NET_RAW'", refusal(ceiling, LinuxInfo.newBuilder()
            .setEffectiveCapabilities(caps(Capability.NET_RAW, Capability.SYS_ADMIN))));
    assertEquals("Failed to prepare: bounding capabilities 'SYS_ADMIN' are not allowed; the agent"
        + " allows only 'CHOWN,NET_RAW'", refusal(ceiling, LinuxInfo.newBuilder()
            .setBoundingCapabilities(caps(Capability.SYS_ADMIN))));
    CapabilitiesIsolator bounded = agent(null, Set.of(Capability.CHOWN));
    assertTrue(refusal(bounded, LinuxInfo.newBuilder()
        .setEffectiveCapabilities(caps(Capability.NET_RAW))).contains("'NET_RAW'"));
    assertEquals(CHOWN, prepare(ceiling, LinuxInfo.newBuilder()
        .setEffectiveCapabilities(caps(Capability.CHOWN))).getBoundingCapabilities());
  }

  @Test
  void theEffectiveSetMustLieWithinTheBoundingSet() {
    assertEquals("Failed to prepare: effective capabilities 'NET_RAW' are not in the bounding set"
        + " 'CHOWN'", refusal(agent(null, null), LinuxInfo.newBuilder()
            .setEffectiveCapabilities(caps(Capability.CHOWN, Capability.NET_RAW))
            .setBoundingCapabilities(caps(Capability.CHOWN))));
  }

  @Test
  void unknownIsRefused() {
    assertEquals("Failed to prepare: unknown capability in linux_info effective capabilities",
        refusal(agent(null, null), LinuxInfo.newBuilder()
            .setEffectiveCapabilities(caps(Capability.UNKNOWN))));
    assertThrows(IllegalArgumentException.class, () -> agent(Set.of(Capability.UNKNOWN), null));
  }

  @Test
  void noNewPrivilegesIsLinuxNnpsAlone() {
    assertFalse(prepare(agent(null, null), LinuxInfo.newBuilder()
        .setEffectiveCapabilities(caps())).getNoNewPrivileges());
    assertEquals(LaunchPlan.newBuilder().setNoNewPrivileges(true).build(),
        new NoNewPrivilegesIsolator().prepare(Contexts.of("c1")));
  }
}
