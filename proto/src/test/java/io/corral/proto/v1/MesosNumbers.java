package io.corral.proto.v1;

/**
 * Field numbers and enum values written down from Apache Mesos 1.11 (checked against
 * {@code include/mesos/v1/mesos.proto} and {@code include/mesos/v1/agent/agent.proto} of
 * apache/mesos), NOT taken from Corral's generated classes: the golden tests encode bytes with
 * these numbers and expect Corral's messages to read and write exactly those bytes.
 */
final class MesosNumbers {
  private MesosNumbers() {}

  // include/mesos/v1/mesos.proto
  static final int CONTAINER_ID_VALUE = 1;
  static final int CONTAINER_ID_PARENT = 2;

  static final int VALUE_TYPE_SCALAR = 0;
  static final int VALUE_SCALAR_VALUE = 1;

  static final int RESOURCE_NAME = 1;
  static final int RESOURCE_TYPE = 2;
  static final int RESOURCE_SCALAR = 3;

  static final int ENVIRONMENT_VARIABLES = 1;
  static final int ENVIRONMENT_VARIABLE_NAME = 1;
  static final int ENVIRONMENT_VARIABLE_VALUE = 2;

  static final int COMMAND_INFO_ENVIRONMENT = 2;
  static final int COMMAND_INFO_VALUE = 3;
  static final int COMMAND_INFO_USER = 5;
  static final int COMMAND_INFO_SHELL = 6;
  static final int COMMAND_INFO_ARGUMENTS = 7;

  static final int IMAGE_TYPE = 1;
  static final int IMAGE_DOCKER = 3;
  static final int IMAGE_TYPE_DOCKER = 2;
  static final int IMAGE_DOCKER_NAME = 1;

  static final int VOLUME_CONTAINER_PATH = 1;
  static final int VOLUME_HOST_PATH = 2;
  static final int VOLUME_MODE = 3;
  static final int VOLUME_SOURCE = 5;
  static final int VOLUME_MODE_RO = 2;
  static final int VOLUME_SOURCE_TYPE = 1;
  static final int VOLUME_SOURCE_SANDBOX_PATH = 3;
  static final int VOLUME_SOURCE_TYPE_SANDBOX_PATH = 2;
  static final int SANDBOX_PATH_TYPE = 1;
  static final int SANDBOX_PATH_PATH = 2;
  static final int SANDBOX_PATH_TYPE_PARENT = 2;

  static final int NETWORK_INFO_NAME = 6;

  static final int LINUX_INFO_SHARE_PID_NAMESPACE = 4;
  static final int LINUX_INFO_SECCOMP = 5;
  static final int LINUX_INFO_SHARE_CGROUPS = 8;
  static final int SECCOMP_INFO_UNCONFINED = 2;

  static final int RLIMIT_INFO_RLIMITS = 1;
  static final int RLIMIT_TYPE = 1;
  static final int RLIMIT_HARD = 2;
  static final int RLIMIT_SOFT = 3;
  static final int RLMT_NOFILE = 10;

  static final int CONTAINER_INFO_TYPE = 1;
  static final int CONTAINER_INFO_VOLUMES = 2;
  static final int CONTAINER_INFO_HOSTNAME = 4;
  static final int CONTAINER_INFO_MESOS = 5;
  static final int CONTAINER_INFO_NETWORK_INFOS = 7;
  static final int CONTAINER_INFO_LINUX_INFO = 8;
  static final int CONTAINER_INFO_RLIMIT_INFO = 9;
  static final int CONTAINER_INFO_TYPE_MESOS = 2;
  static final int MESOS_INFO_IMAGE = 1;

  static final int CONTAINER_STATUS_NETWORK_INFOS = 1;
  static final int CONTAINER_STATUS_EXECUTOR_PID = 3;
  static final int CONTAINER_STATUS_CONTAINER_ID = 4;

  static final int STATS_TIMESTAMP = 1;
  static final int STATS_CPUS_USER_TIME_SECS = 2;
  static final int STATS_CPUS_LIMIT = 4;
  static final int STATS_MEM_RSS_BYTES = 5;
  static final int STATS_MEM_LIMIT_BYTES = 6;
  static final int STATS_PERF = 13;
  static final int STATS_NET_RX_BYTES = 15;
  static final int STATS_DISK_USED_BYTES = 27;
  static final int STATS_PROCESSES = 30;
  static final int STATS_MEM_TOTAL_BYTES = 36;
  static final int STATS_CPUS_SOFT_LIMIT = 45;
  static final int STATS_NET_TRAFFIC_CONTROL_STATISTICS = 35;
  static final int TRAFFIC_CONTROL_ID = 1;
  static final int TRAFFIC_CONTROL_BYTES = 3;
  static final int TRAFFIC_CONTROL_DROPS = 4;

  static final int TASK_RESOURCE_LIMITATION_RESOURCES = 1;

  static final int FLAG_NAME = 1;
  static final int FLAG_VALUE = 2;
  static final int VERSION_INFO_VERSION = 1;
  static final int VERSION_INFO_GIT_SHA = 5;

  // TaskState values (mesos.proto, enum TaskState).
  static final int TASK_STAGING = 6;
  static final int TASK_STARTING = 0;
  static final int TASK_RUNNING = 1;
  static final int TASK_KILLING = 8;
  static final int TASK_FINISHED = 2;
  static final int TASK_FAILED = 3;
  static final int TASK_KILLED = 4;
  static final int TASK_ERROR = 7;
  static final int TASK_LOST = 5;
  static final int TASK_DROPPED = 9;
  static final int TASK_UNREACHABLE = 10;
  static final int TASK_GONE = 11;
  static final int TASK_GONE_BY_OPERATOR = 12;
  static final int TASK_UNKNOWN = 13;

  // TaskStatus.Reason values used by Corral (mesos.proto, enum TaskStatus.Reason).
  static final int REASON_COMMAND_EXECUTOR_FAILED = 0;
  static final int REASON_EXECUTOR_TERMINATED = 1;
  static final int REASON_CONTAINER_LIMITATION_MEMORY = 8;
  static final int REASON_CONTAINER_PREEMPTED = 17;
  static final int REASON_CONTAINER_LIMITATION = 19;
  static final int REASON_CONTAINER_LIMITATION_DISK = 20;
  static final int REASON_CONTAINER_LAUNCH_FAILED = 21;
  static final int REASON_CONTAINER_UPDATE_FAILED = 22;
  static final int REASON_IO_SWITCHBOARD_EXITED = 27;
  static final int REASON_TASK_KILLED_DURING_LAUNCH = 30;
  /** Number of values of TaskStatus.Reason in Mesos 1.11. */
  static final int REASON_COUNT = 35;

  // include/mesos/v1/agent/agent.proto: Call
  static final int CALL_TYPE = 1;
  static final int CALL_LAUNCH_CONTAINER = 13;
  static final int CALL_WAIT_CONTAINER = 14;
  static final int CALL_KILL_CONTAINER = 15;
  static final int CALL_REMOVE_CONTAINER = 16;
  static final int CALL_GET_CONTAINERS = 20;

  static final int CALL_TYPE_GET_HEALTH = 1;
  static final int CALL_TYPE_GET_FLAGS = 2;
  static final int CALL_TYPE_GET_VERSION = 3;
  static final int CALL_TYPE_GET_CONTAINERS = 10;
  static final int CALL_TYPE_LAUNCH_CONTAINER = 22;
  static final int CALL_TYPE_WAIT_CONTAINER = 23;
  static final int CALL_TYPE_KILL_CONTAINER = 24;
  static final int CALL_TYPE_REMOVE_CONTAINER = 25;

  static final int GET_CONTAINERS_SHOW_NESTED = 1;
  static final int GET_CONTAINERS_SHOW_STANDALONE = 2;
  static final int LAUNCH_CONTAINER_CONTAINER_ID = 1;
  static final int LAUNCH_CONTAINER_COMMAND = 2;
  static final int LAUNCH_CONTAINER_RESOURCES = 3;
  static final int LAUNCH_CONTAINER_CONTAINER = 4;
  static final int LAUNCH_CONTAINER_LIMITS = 5;
  static final int MAP_ENTRY_KEY = 1;
  static final int MAP_ENTRY_VALUE = 2;
  static final int CONTAINER_ID_FIELD = 1;
  static final int KILL_CONTAINER_SIGNAL = 2;

  // include/mesos/v1/agent/agent.proto: Response
  static final int RESPONSE_TYPE = 1;
  static final int RESPONSE_GET_HEALTH = 2;
  static final int RESPONSE_GET_FLAGS = 3;
  static final int RESPONSE_GET_VERSION = 4;
  static final int RESPONSE_GET_CONTAINERS = 10;
  static final int RESPONSE_WAIT_CONTAINER = 16;

  static final int RESPONSE_TYPE_GET_HEALTH = 1;
  static final int RESPONSE_TYPE_GET_FLAGS = 2;
  static final int RESPONSE_TYPE_GET_VERSION = 3;
  static final int RESPONSE_TYPE_GET_CONTAINERS = 9;
  static final int RESPONSE_TYPE_WAIT_CONTAINER = 15;

  static final int GET_HEALTH_HEALTHY = 1;
  static final int GET_FLAGS_FLAGS = 1;
  static final int GET_VERSION_VERSION_INFO = 1;
  static final int GET_CONTAINERS_CONTAINERS = 1;
  static final int CONTAINER_CONTAINER_ID = 4;
  static final int CONTAINER_CONTAINER_STATUS = 5;
  static final int CONTAINER_RESOURCE_STATISTICS = 6;

  static final int WAIT_CONTAINER_EXIT_STATUS = 1;
  static final int WAIT_CONTAINER_STATE = 2;
  static final int WAIT_CONTAINER_REASON = 3;
  static final int WAIT_CONTAINER_LIMITATION = 4;
  static final int WAIT_CONTAINER_MESSAGE = 5;
}
