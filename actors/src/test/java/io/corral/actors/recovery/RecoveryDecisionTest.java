package io.corral.actors.recovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.actors.Fixture;
import io.corral.actors.recovery.RecoveryDecision.Adopt;
import io.corral.actors.recovery.RecoveryDecision.Destroy;
import io.corral.actors.recovery.RecoveryDecision.Ended;
import io.corral.actors.recovery.RecoveryDecision.Init;
import io.corral.actors.recovery.RecoveryDecision.Outcome;
import io.corral.actors.recovery.RecoveryDecision.Read;
import io.corral.actors.recovery.RecoveryDecision.Terminated;
import io.corral.proto.v1.ContainerConfig;
import io.corral.proto.v1.ContainerPids;
import io.corral.proto.v1.ContainerTermination;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.TaskState;
import io.corral.proto.v1.TaskStatus;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The recovery decision table of {@link RecoveryDecision}, row by row, on checkpoint contents. */
class RecoveryDecisionTest {
  private static final List<String> ISOLATORS = List.of("posix/cpu", "cgroups/mem");
  private static final ContainerConfig PREPARED = ContainerConfig.newBuilder()
      .setLaunch(Fixture.request("c", "true"))
      .addAllIsolators(ISOLATORS)
      .setPlan(LaunchPlan.newBuilder().setVersion(1).setStatusPath("/run/c/status"))
      .build();
  private static final ContainerPids PIDS = ContainerPids.newBuilder().setInitPid(42).setHelperPid(41)
      .setInitStartTicks(777).build();
  private static final ContainerTermination DONE = ContainerTermination.newBuilder().setStatus(256).build();

  private static Outcome decide(Read<ContainerConfig> config, Read<ContainerPids> pids,
      Read<ContainerTermination> termination, Init init, OptionalInt status, boolean cleanup) {
    return RecoveryDecision.decide("c", config, pids, termination, ISOLATORS, init, status, cleanup);
  }

  private static Outcome running(Init init, OptionalInt status, boolean cleanup) {
    return decide(Read.of(PREPARED), Read.of(PIDS), Read.missing(), init, status, cleanup);
  }

  @Test
  void aCheckpointedTerminationIsKeptWhateverElseIsThere() {
    Outcome outcome = decide(Read.failed("garbage"), Read.missing(), Read.of(DONE), Init.NOT_PROBED,
        OptionalInt.empty(), true);
    assertEquals(new Terminated(DONE), outcome);
    assertFalse(RecoveryDecision.needsProbe(Read.of(PREPARED), Read.of(PIDS), Read.of(DONE), ISOLATORS));
  }

  @Test
  void anUnreadableTerminationIsDestroyedAgainAndReported() {
    Destroy d = assertInstanceOf(Destroy.class, decide(Read.of(PREPARED), Read.of(PIDS),
        Read.failed("corrupt checkpoint: truncated"), Init.NOT_PROBED, OptionalInt.empty(), false));
    assertEquals("Failed to recover container 'c': Failed to read checkpoint 'termination': corrupt checkpoint: truncated",
        d.termination().getMessage());
    assertEquals(TaskState.TASK_FAILED, d.termination().getState());
  }

  @Test
  void noConfigOrNoPlanIsALaunchStoppedInPreparing() {
    for (Read<ContainerConfig> config : List.of(Read.<ContainerConfig>missing(),
        Read.of(PREPARED.toBuilder().clearPlan().build()))) {
      Destroy d = assertInstanceOf(Destroy.class,
          decide(config, Read.missing(), Read.missing(), Init.NOT_PROBED, OptionalInt.empty(), false));
      assertEquals("Failed to launch container: the agent stopped while it was PREPARING", d.termination().getMessage());
      assertEquals(TaskStatus.Reason.REASON_CONTAINER_LAUNCH_FAILED, d.termination().getReason());
    }
  }

  @Test
  void aPlanWithoutPidsIsALaunchStoppedInIsolating() {
    Destroy d = assertInstanceOf(Destroy.class, decide(Read.of(PREPARED), Read.missing(), Read.missing(),
        Init.NOT_PROBED, OptionalInt.empty(), false));
    assertEquals("Failed to launch container: the agent stopped while it was ISOLATING", d.termination().getMessage());
    assertEquals(TaskStatus.Reason.REASON_CONTAINER_LAUNCH_FAILED, d.termination().getReason());
  }

  @Test
  void anUnreadableConfigOrPidsCostsTheContainerWithTheReadError() {
    Destroy config = assertInstanceOf(Destroy.class, decide(Read.failed("corrupt checkpoint: bad tag"),
        Read.of(PIDS), Read.missing(), Init.NOT_PROBED, OptionalInt.empty(), false));
    assertEquals("Failed to recover container 'c': Failed to read checkpoint 'config': corrupt checkpoint: bad tag",
        config.termination().getMessage());
    Destroy pids = assertInstanceOf(Destroy.class, decide(Read.of(PREPARED), Read.failed("EIO"),
        Read.missing(), Init.NOT_PROBED, OptionalInt.empty(), false));
    assertEquals("Failed to recover container 'c': Failed to read checkpoint 'pids': EIO", pids.termination().getMessage());
  }

  @Test
  void otherIsolatorsThanTheAgentsCannotBeRecovered() {
    Read<ContainerConfig> config = Read.of(PREPARED.toBuilder().clearIsolators().addIsolators("posix/cpu").build());
    assertFalse(RecoveryDecision.needsProbe(config, Read.of(PIDS), Read.missing(), ISOLATORS));
    Destroy d = assertInstanceOf(Destroy.class,
        decide(config, Read.of(PIDS), Read.missing(), Init.NOT_PROBED, OptionalInt.empty(), false));
    assertEquals("Failed to recover container 'c': it was launched with isolators 'posix/cpu',"
        + " the agent runs 'posix/cpu,cgroups/mem'", d.termination().getMessage());
  }

  @Test
  void aLiveInitIsAdoptedUnlessTheAgentCleansUp() {
    assertTrue(RecoveryDecision.needsProbe(Read.of(PREPARED), Read.of(PIDS), Read.missing(), ISOLATORS));
    assertEquals(new Adopt(), running(Init.ALIVE, OptionalInt.empty(), false));
    Destroy d = assertInstanceOf(Destroy.class, running(Init.ALIVE, OptionalInt.empty(), true));
    assertEquals("Container destroyed on recovery: the agent runs with --recover=cleanup", d.termination().getMessage());
  }

  @Test
  void aGoneInitEndedWithItsRecordedStatusOrKilled() {
    assertEquals(new Ended(768), running(Init.GONE, OptionalInt.of(768), false));
    assertEquals(new Ended(768), running(Init.GONE, OptionalInt.of(768), true));
    assertEquals(new Ended(9), running(Init.GONE, OptionalInt.empty(), false));
  }

  @Test
  void anUnprobedInitIsABug() {
    assertThrows(IllegalArgumentException.class, () -> running(Init.NOT_PROBED, OptionalInt.empty(), false));
  }
}
