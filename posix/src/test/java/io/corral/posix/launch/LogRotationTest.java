package io.corral.posix.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.corral.proto.v1.Environment;
import io.corral.proto.v1.LaunchPlan;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The logrotate flags as a plan: the one directive understood, Mesos' bounds, the sandbox's files only. */
class LogRotationTest {
  @Test
  void onlyRotateCountIsUnderstood() {
    assertEquals(0, LogRotation.rotateCount("logrotate_stdout_options", null));
    assertEquals(0, LogRotation.rotateCount("logrotate_stdout_options", " "));
    assertEquals(9, LogRotation.rotateCount("logrotate_stdout_options", " rotate  9 "));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> LogRotation.rotateCount("logrotate_stderr_options", "rotate 2\ncompress"));
    assertEquals("Failed to parse --logrotate_stderr_options: 'rotate 2\ncompress': Corral understands only the"
        + " logrotate directive 'rotate <count>'", e.getMessage());
  }

  @Test
  void sizesBelowAPageAreRefused() {
    assertEquals("Expected --max_stdout_size and --max_stderr_size of at least 4096 bytes",
        assertThrows(IllegalArgumentException.class, () -> new LogRotation(4095, 0, 4096, 0)).getMessage());
  }

  @Test
  void thePlanRotatesTheSandboxFilesAndLeavesTheAgentsStreamsAlone() {
    LaunchPlan plan = LaunchPlan.newBuilder().setVersion(1).build();
    LogRotation rotation = new LogRotation(10 << 20, 2, 4096, 0);
    LaunchPlan rotated = rotation.apply(plan, Stdio.sandbox(Path.of("/w/sandbox")));
    assertEquals("/w/sandbox/stdout", rotated.getStdoutPath());
    assertEquals("/w/sandbox/stderr", rotated.getStderrPath());
    assertEquals(10 << 20, rotated.getMaxStdoutSize());
    assertEquals(2, rotated.getStdoutRotate());
    assertEquals(4096, rotated.getMaxStderrSize());
    assertSame(plan, rotation.apply(plan, Stdio.inherit()));
  }

  private static Environment env(String... pairs) {
    Environment.Builder env = Environment.newBuilder();
    for (int i = 0; i < pairs.length; i += 2) {
      env.addVariablesBuilder().setName(pairs[i]).setValue(pairs[i + 1]);
    }
    return env.build();
  }

  @Test
  void theCommandsEnvironmentOverridesTheAgentsValuesForThatContainer() {
    LogRotation agent = new LogRotation(10 << 20, 2, 4096, 0);
    assertEquals(agent, agent.overriddenBy(env("PATH", "/bin", "LOGGER_MAX_STDOUT_SIZE", "1B")));
    assertEquals(new LogRotation(8192, 5, 4096, 0), agent.overriddenBy(env(
        "CONTAINER_LOGGER_MAX_STDOUT_SIZE", "8KB", "CONTAINER_LOGGER_logrotate_stdout_options", "rotate 5")));
    assertEquals(new LogRotation(10 << 20, 2, 1 << 20, 3), agent.overriddenBy(env(
        "CONTAINER_LOGGER_MAX_STDERR_SIZE", "2MB", "CONTAINER_LOGGER_MAX_STDERR_SIZE", "1MB",
        "CONTAINER_LOGGER_LOGROTATE_STDERR_OPTIONS", "rotate 3")), "the last of a name wins");
    assertEquals(new LogRotation(10 << 20, 0, 4096, 0),
        agent.overriddenBy(env("CONTAINER_LOGGER_LOGROTATE_STDOUT_OPTIONS", "")), "empty options: rotate 0");
  }

  @Test
  void aBadOverrideIsRefusedNamingTheVariable() {
    LogRotation agent = new LogRotation(10 << 20, 2, 4096, 0);
    assertEquals("Failed to load container logger settings: Failed to parse 'CONTAINER_LOGGER_MAX_STDOUT_SIZE':"
        + " 'ten' is not a size such as 64MB (units B, KB, MB, GB, TB)", assertThrows(IllegalArgumentException.class,
            () -> agent.overriddenBy(env("CONTAINER_LOGGER_MAX_STDOUT_SIZE", "ten"))).getMessage());
    assertEquals("Failed to load container logger settings: Failed to parse 'CONTAINER_LOGGER_MAX_STDERR_SIZE':"
        + " '1KB' is below the minimum of 4096 bytes", assertThrows(IllegalArgumentException.class,
            () -> agent.overriddenBy(env("CONTAINER_LOGGER_MAX_STDERR_SIZE", "1KB"))).getMessage());
    assertEquals("Failed to load container logger settings: Failed to parse 'CONTAINER_LOGGER_LOGROTATE_STDERR_OPTIONS':"
        + " 'compress': Corral understands only the logrotate directive 'rotate <count>'",
        assertThrows(IllegalArgumentException.class,
            () -> agent.overriddenBy(env("CONTAINER_LOGGER_LOGROTATE_STDERR_OPTIONS", "compress"))).getMessage());
    assertEquals("Failed to load container logger settings: Failed to parse 'CONTAINER_LOGGER_LOGROTATE_STDOUT_OPTIONS':"
        + " 'rotate 1001': Corral keeps at most 1000 rotated files", assertThrows(IllegalArgumentException.class,
            () -> agent.overriddenBy(env("CONTAINER_LOGGER_LOGROTATE_STDOUT_OPTIONS", "rotate 1001"))).getMessage());
    assertEquals("Failed to load container logger settings: Failed to load unknown setting 'max_size' from"
        + " 'CONTAINER_LOGGER_MAX_SIZE': Corral knows CONTAINER_LOGGER_MAX_STDOUT_SIZE, LOGROTATE_STDOUT_OPTIONS,"
        + " MAX_STDERR_SIZE and LOGROTATE_STDERR_OPTIONS", assertThrows(IllegalArgumentException.class,
            () -> agent.overriddenBy(env("CONTAINER_LOGGER_MAX_SIZE", "8KB"))).getMessage());
  }
}
