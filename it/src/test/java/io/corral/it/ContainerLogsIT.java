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
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Bounded container logs (--container_logger=logrotate) on a real agent: a container that
 * writes a gigabyte leaves at most the configured bytes in its sandbox, and its output keeps
 * being written and rotated by the container's init while the agent is down; a container's own
 * {@code CONTAINER_LOGGER_*} variables override the agent's sizes for it alone.
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

  private static String launchWithEnv(String id, String shell, String name, String value) {
    return AgentClient.launchJsonRaw("\"container_id\":{\"value\":\"" + id + "\"},\"command\":{\"value\":"
        + AgentClient.quote(shell) + ",\"environment\":{\"variables\":[{\"name\":\"" + name + "\",\"value\":"
        + AgentClient.quote(value) + "}]}}");
  }

  @Test
  void aContainersOwnOverrideRotatesAtItsSizeAndABadOneIsRefused() throws IOException {
    assumeTrue(Host.isRoot(), "needs root: the linux launcher");
    try (AgentProcess agent = AgentProcess.start("--container_logger=logrotate", "--max_stdout_size=16KB",
        "--logrotate_stdout_options=rotate 1")) {
      AgentClient client = agent.client();
      String write = "head -c 20000 /dev/zero; echo \"$CONTAINER_LOGGER_MAX_STDOUT_SIZE\" >&2";
      HttpResponse<String> r = client.postJson(launchWithEnv("own", write, "CONTAINER_LOGGER_MAX_STDOUT_SIZE", "4KB"));
      assertEquals(200, r.statusCode(), r.body() + agent.logTail());
      r = client.postJson(launchWithEnv("agentwide", write, "OTHER", "x"));
      assertEquals(200, r.statusCode(), r.body() + agent.logTail());
      assertEquals(0, client.waitFor("own").getExitStatus(), agent.logTail());
      assertEquals(0, client.waitFor("agentwide").getExitStatus(), agent.logTail());
      Path own = agent.sandbox("own");
      assertEquals(Set.of("stdout", "stdout.1", "stderr"), Host.entries(own), "rotate 1 is the agent's");
      assertEquals(4096, size(own.resolve("stdout.1")), "rotated at the container's own 4KB");
      assertEquals(20000 % 4096, size(own.resolve("stdout")));
      assertEquals("4KB\n", Files.readString(own.resolve("stderr")), "the variable stays in the environment");
      Path agentwide = agent.sandbox("agentwide");
      assertEquals(16384, size(agentwide.resolve("stdout.1")), "the other container keeps the agent's 16KB");
      assertEquals(20000 - 16384, size(agentwide.resolve("stdout")));

      r = client.postJson(launchWithEnv("bad", "true", "CONTAINER_LOGGER_MAX_STDERR_SIZE", "1KB"));
      assertEquals(400, r.statusCode(), r.body());
      assertTrue(r.body().contains("Failed to launch container 'bad': Failed to load container logger settings:"
          + " Failed to parse 'CONTAINER_LOGGER_MAX_STDERR_SIZE'"), r.body());
      assertFalse(Files.exists(agent.sandbox("bad")), "nothing is created");
      assertTrue(client.container("bad").isEmpty());
      assertEquals(400, client.postJson(launchWithEnv("unknown", "true", "CONTAINER_LOGGER_COMPRESS", "yes"))
          .statusCode());
      assertFalse(Files.exists(agent.sandbox("unknown")));
    }
  }
}
