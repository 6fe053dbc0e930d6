package io.corral.proto.v1;

import static io.corral.proto.v1.MesosNumbers.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.corral.proto.v1.agent.Call;
import io.corral.proto.v1.agent.Response;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The numeric values of the enums a client decodes (TaskState, TaskStatus.Reason, the call and
 * response types) are Mesos 1.11's, as written down in {@link MesosNumbers}.
 */
class MesosEnumValuesTest {

  @Test
  void taskStateHasEveryMesosValue() {
    Map<String, Integer> mesos = new TreeMap<>(Map.ofEntries(
        Map.entry("TASK_STAGING", TASK_STAGING),
        Map.entry("TASK_STARTING", TASK_STARTING),
        Map.entry("TASK_RUNNING", TASK_RUNNING),
        Map.entry("TASK_KILLING", TASK_KILLING),
        Map.entry("TASK_FINISHED", TASK_FINISHED),
        Map.entry("TASK_FAILED", TASK_FAILED),
        Map.entry("TASK_KILLED", TASK_KILLED),
        Map.entry("TASK_ERROR", TASK_ERROR),
        Map.entry("TASK_LOST", TASK_LOST),
        Map.entry("TASK_DROPPED", TASK_DROPPED),
        Map.entry("TASK_UNREACHABLE", TASK_UNREACHABLE),
        Map.entry("TASK_GONE", TASK_GONE),
        Map.entry("TASK_GONE_BY_OPERATOR", TASK_GONE_BY_OPERATOR),
        Map.entry("TASK_UNKNOWN", TASK_UNKNOWN)));
    Map<String, Integer> ours = Arrays.stream(TaskState.values())
        .collect(Collectors.toMap(Enum::name, TaskState::getNumber, (a, b) -> a, TreeMap::new));
    assertEquals(mesos, ours);
  }

  @Test
  void reasonsUsedByCorralHaveMesosNumbers() {
    assertEquals(REASON_COMMAND_EXECUTOR_FAILED,
        TaskStatus.Reason.REASON_COMMAND_EXECUTOR_FAILED.getNumber());
    assertEquals(REASON_EXECUTOR_TERMINATED, TaskStatus.Reason.REASON_EXECUTOR_TERMINATED.getNumber());
    assertEquals(REASON_CONTAINER_LIMITATION_MEMORY,
        TaskStatus.Reason.REASON_CONTAINER_LIMITATION_MEMORY.getNumber());
    assertEquals(REASON_CONTAINER_PREEMPTED, TaskStatus.Reason.REASON_CONTAINER_PREEMPTED.getNumber());
    assertEquals(REASON_CONTAINER_LIMITATION, TaskStatus.Reason.REASON_CONTAINER_LIMITATION.getNumber());
    assertEquals(REASON_CONTAINER_LIMITATION_DISK,
        TaskStatus.Reason.REASON_CONTAINER_LIMITATION_DISK.getNumber());
    assertEquals(REASON_CONTAINER_LAUNCH_FAILED,
        TaskStatus.Reason.REASON_CONTAINER_LAUNCH_FAILED.getNumber());
    assertEquals(REASON_CONTAINER_UPDATE_FAILED,
        TaskStatus.Reason.REASON_CONTAINER_UPDATE_FAILED.getNumber());
    assertEquals(REASON_IO_SWITCHBOARD_EXITED,
        TaskStatus.Reason.REASON_IO_SWITCHBOARD_EXITED.getNumber());
    assertEquals(REASON_TASK_KILLED_DURING_LAUNCH,
        TaskStatus.Reason.REASON_TASK_KILLED_DURING_LAUNCH.getNumber());
  }

  @Test
  void reasonEnumIsComplete() {
    long ours = TaskStatus.Reason.values().length;
    assertEquals(REASON_COUNT, ours);
    // Every Reason number from 0 to 34 is taken in Mesos 1.11: the enum is dense.
    for (int n = 0; n < REASON_COUNT; n++) {
      assertEquals(n, TaskStatus.Reason.forNumber(n).getNumber(), "reason number " + n);
    }
  }

  @Test
  void servedCallAndResponseTypes() {
    assertEquals(CALL_TYPE_GET_HEALTH, Call.Type.GET_HEALTH.getNumber());
    assertEquals(CALL_TYPE_GET_FLAGS, Call.Type.GET_FLAGS.getNumber());
    assertEquals(CALL_TYPE_GET_VERSION, Call.Type.GET_VERSION.getNumber());
    assertEquals(CALL_TYPE_GET_CONTAINERS, Call.Type.GET_CONTAINERS.getNumber());
    assertEquals(CALL_TYPE_LAUNCH_CONTAINER, Call.Type.LAUNCH_CONTAINER.getNumber());
    assertEquals(CALL_TYPE_WAIT_CONTAINER, Call.Type.WAIT_CONTAINER.getNumber());
    assertEquals(CALL_TYPE_KILL_CONTAINER, Call.Type.KILL_CONTAINER.getNumber());
    assertEquals(CALL_TYPE_REMOVE_CONTAINER, Call.Type.REMOVE_CONTAINER.getNumber());
    assertEquals(RESPONSE_TYPE_GET_HEALTH, Response.Type.GET_HEALTH.getNumber());
    assertEquals(RESPONSE_TYPE_GET_FLAGS, Response.Type.GET_FLAGS.getNumber());
    assertEquals(RESPONSE_TYPE_GET_VERSION, Response.Type.GET_VERSION.getNumber());
    assertEquals(RESPONSE_TYPE_GET_CONTAINERS, Response.Type.GET_CONTAINERS.getNumber());
    assertEquals(RESPONSE_TYPE_WAIT_CONTAINER, Response.Type.WAIT_CONTAINER.getNumber());
  }
}
