package io.corral.posix.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
}
