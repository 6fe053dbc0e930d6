package io.corral.isolators.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.corral.isolators.Contexts;
import io.corral.isolators.IsolatorException;
import io.corral.proto.v1.ContainerInfo;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.RLimit;
import io.corral.proto.v1.RLimitInfo;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** posix/rlimits on its returned plans: every type's number, unset = unlimited, refusals. */
class RlimitsIsolatorTest {
  private final RlimitsIsolator isolator = new RlimitsIsolator();

  private LaunchPlan prepare(RLimitInfo.RLimit... limits) {
    return isolator.prepare(Contexts.of("c1", ContainerInfo.newBuilder()
        .setType(ContainerInfo.Type.MESOS)
        .setRlimitInfo(RLimitInfo.newBuilder().addAllRlimits(List.of(limits))).build()));
  }

  private String refusal(RLimitInfo.RLimit... limits) {
    return assertThrows(IsolatorException.class, () -> prepare(limits)).getMessage();
  }

  private static RLimitInfo.RLimit limit(RLimitInfo.RLimit.Type type, long soft, long hard) {
    return RLimitInfo.RLimit.newBuilder().setType(type).setSoft(soft).setHard(hard).build();
  }

  @Test
  void everyMesosTypeHasItsLinuxNumber() {
    Map<RLimitInfo.RLimit.Type, Integer> linux = Map.ofEntries(
        Map.entry(RLimitInfo.RLimit.Type.RLMT_CPU, 0), Map.entry(RLimitInfo.RLimit.Type.RLMT_FSIZE, 1),
        Map.entry(RLimitInfo.RLimit.Type.RLMT_DATA, 2), Map.entry(RLimitInfo.RLimit.Type.RLMT_STACK, 3),
        Map.entry(RLimitInfo.RLimit.Type.RLMT_CORE, 4), Map.entry(RLimitInfo.RLimit.Type.RLMT_RSS, 5),
        Map.entry(RLimitInfo.RLimit.Type.RLMT_NPROC, 6), Map.entry(RLimitInfo.RLimit.Type.RLMT_NOFILE, 7),
        Map.entry(RLimitInfo.RLimit.Type.RLMT_MEMLOCK, 8), Map.entry(RLimitInfo.RLimit.Type.RLMT_AS, 9),
        Map.entry(RLimitInfo.RLimit.Type.RLMT_LOCKS, 10),
        Map.entry(RLimitInfo.RLimit.Type.RLMT_SIGPENDING, 11),
        Map.entry(RLimitInfo.RLimit.Type.RLMT_MSGQUEUE, 12), Map.entry(RLimitInfo.RLimit.Type.RLMT_NICE, 13),
        Map.entry(RLimitInfo.RLimit.Type.RLMT_RTPRIO, 14), Map.entry(RLimitInfo.RLimit.Type.RLMT_RTTIME, 15));
    for (RLimitInfo.RLimit.Type type : RLimitInfo.RLimit.Type.values()) {
      if (type != RLimitInfo.RLimit.Type.UNKNOWN) {
        assertEquals(linux.get(type), RlimitsIsolator.resource(type), type.name());
        assertEquals(RLimit.newBuilder().setResource(linux.get(type)).setSoft(10).setHard(20).build(),
            prepare(limit(type, 10, 20)).getRlimits(0));
      }
    }
  }

  @Test
  void noRlimitInfoIsAnEmptyPlan() {
    assertEquals(LaunchPlan.getDefaultInstance(), isolator.prepare(Contexts.of("c1")));
  }

  @Test
  void limitsKeepTheirOrder() {
    LaunchPlan plan = prepare(limit(RLimitInfo.RLimit.Type.RLMT_NOFILE, 256, 512),
        limit(RLimitInfo.RLimit.Type.RLMT_CPU, 10, 10));
    assertEquals(List.of(7, 0), plan.getRlimitsList().stream().map(RLimit::getResource).toList());
  }

  @Test
  void bothUnsetIsUnlimited() {
    LaunchPlan plan = prepare(RLimitInfo.RLimit.newBuilder()
        .setType(RLimitInfo.RLimit.Type.RLMT_CORE).build());
    assertEquals(RLimit.newBuilder().setResource(4).setSoft(-1L).setHard(-1L).build(),
        plan.getRlimits(0));
  }

  @Test
  void onlyOneOfSoftAndHardIsRefused() {
    assertEquals("Failed to prepare: Invalid rlimit values for 'RLMT_CPU': soft and hard limits"
        + " must both be set or both be unset", refusal(RLimitInfo.RLimit.newBuilder()
            .setType(RLimitInfo.RLimit.Type.RLMT_CPU).setSoft(1).build()));
    refusal(RLimitInfo.RLimit.newBuilder().setType(RLimitInfo.RLimit.Type.RLMT_CPU).setHard(1).build());
  }

  @Test
  void softAboveHardIsRefused() {
    assertEquals("Failed to prepare: Invalid rlimit values for 'RLMT_CPU': soft limit 100 is"
        + " greater than hard limit 1", refusal(limit(RLimitInfo.RLimit.Type.RLMT_CPU, 100, 1)));
    assertEquals("Failed to prepare: Invalid rlimit values for 'RLMT_AS': soft limit"
        + " 18446744073709551615 is greater than hard limit 1",
        refusal(limit(RLimitInfo.RLimit.Type.RLMT_AS, -1L, 1)));
  }

  @Test
  void unknownAndDuplicateTypesAreRefused() {
    assertEquals("Failed to prepare: Unknown rlimit type 'UNKNOWN'",
        refusal(limit(RLimitInfo.RLimit.Type.UNKNOWN, 1, 1)));
    assertEquals("Failed to prepare: Unknown rlimit type (none given)",
        refusal(RLimitInfo.RLimit.newBuilder().setSoft(1).setHard(1).build()));
    assertEquals("Failed to prepare: rlimit 'RLMT_NOFILE' is given twice",
        refusal(limit(RLimitInfo.RLimit.Type.RLMT_NOFILE, 1, 1),
            limit(RLimitInfo.RLimit.Type.RLMT_NOFILE, 2, 2)));
  }
}
