package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.it.support.AgentClient;
import io.corral.it.support.AgentProcess;
import io.corral.it.support.Eventually;
import io.corral.it.support.Host;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Bounded container logs (--container_logger=logrotate) on a real agent: a container that
 * writes a gigabyte leaves at most the configured bytes in its sandbox, and its output keeps
 * being written and rotated by the container's init while the agent is down.
 */
@Tag("root")
class ContainerLogsIT {
  private static final long MB = 1 << 20;

  private static long size(Path file) {
    try {
      return Files.exists(file) ? Files.size(file) : 0;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Object inode(Path file) {
    try {
      return Files.getAttribute(file, "unix:ino");
    } catch (IOException e) {
      return "none";
    }
  }

  @Test
  void aGigabyteOfOutputLeavesAtMostTheConfiguredBytes() throws IOException {
    assumeTrue(Host.isRoot(), "needs root: the linux launcher");
    try (AgentProcess agent = AgentProcess.start("--container_logger=logrotate", "--max_stdout_size=10MB",
        "--logrotate_stdout_options=rotate 2", "--max_stderr_size=4KB")) {
      AgentClient client = agent.client();
      assertEquals(200, client.launch("gigabyte", "head -c 1073741824 /dev/zero; echo done >&2"), agent.logTail());
      assertEquals(0, client.waitFor("gigabyte", Duration.ofMinutes(5)).getExitStatus(), agent.logTail());
      Path sandbox = agent.sandbox("gigabyte");
      assertEquals(Set.of("stdout", "stdout.1", "stdout.2", "stderr"), Host.entries(sandbox));
      assertEquals(10 * MB, size(sandbox.resolve("stdout.1")), "a rotated file holds the max size");
      assertEquals(10 * MB, size(sandbox.resolve("stdout.2")));
      long total = size(sandbox.resolve("stdout")) + size(sandbox.resolve("stdout.1"))
          + size(sandbox.resolve("stdout.2"));
      assertTrue(total <= 30 * MB, "at most (rotate + 1) * max_stdout_size: " + total);
      assertEquals((1L << 30) % (10 * MB) == 0 ? 10 * MB : (1L << 30) % (10 * MB), size(sandbox.resolve("stdout")),
          "every byte was written: the last file holds the remainder");
      assertEquals("done\n", Files.readString(sandbox.resolve("stderr")));
    }
  }

  @Test
  void outputIsWrittenAndRotatedWhileTheAgentIsDown() {
    assumeTrue(Host.isRoot(), "needs root: the linux launcher");
    String[] flags = {"--container_logger=logrotate", "--max_stdout_size=4KB", "--logrotate_stdout_options=rotate 1"};
    AgentProcess agent = AgentProcess.start(flags);
    AgentProcess restarted = null;
    try {
      assertEquals(200, agent.client().launch("chatty", "while :; do echo 0123456789abcdef; sleep 0.001; done"),
          agent.logTail());
      Path stdout = agent.sandbox("chatty").resolve("stdout");
      Path rotated = agent.sandbox("chatty").resolve("stdout.1");
      Eventually.await(Duration.ofSeconds(30), () -> Files.exists(rotated), "a first rotation");
      agent.sigkill();
      Object before = inode(rotated);
      Eventually.await(Duration.ofSeconds(30), () -> !before.equals(inode(rotated)), "a rotation with the agent down");
      assertTrue(size(stdout) <= 4096 && size(rotated) == 4096, "bounded while the agent is down");
      restarted = agent.restart(flags);
      assertTrue(restarted.client().container("chatty").isPresent(), restarted.logTail());
      restarted.client().destroy("chatty");
      assertFalse(Files.exists(agent.sandbox("chatty").resolve("stdout.2")));
    } finally {
      (restarted != null ? restarted : agent).close();
    }
  }
}
