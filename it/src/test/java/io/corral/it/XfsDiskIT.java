package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.it.support.AgentClient;
import io.corral.it.support.AgentProcess;
import io.corral.it.support.Eventually;
import io.corral.it.support.Host;
import io.corral.it.support.Patience;
import io.corral.posix.Linux;
import io.corral.posix.LinuxException;
import io.corral.posix.Quotas;
import io.corral.posix.testing.ScratchXfs;
import io.corral.posix.testing.TestDirectories;
import io.corral.proto.v1.TaskStatus;
import io.corral.proto.v1.agent.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code corral agent} with disk/xfs, as an operator meets it. The agent refuses to start, with
 * exit status 1 and a message that says what is wrong and how to fix it, when the work directory
 * is not on XFS and when it is on XFS mounted without project quota (the message carries the
 * kernel's answer to quotactl). Where the kernel has XFS quota, an agent on an XFS image mounted
 * with {@code prjquota} limits a container to its {@code disk} resource and, with
 * {@code --xfs_kill_containers}, destroys it with {@code REASON_CONTAINER_LIMITATION_DISK}; on a
 * kernel without it that test is skipped, naming the missing feature and the kernel's answers.
 * Every image is unmounted and its loop device detached, also on failure. Root only.
 */
@Tag("root")
class XfsDiskIT {
  private static final String ISOLATION = "--isolation=filesystem/posix,disk/xfs";

  private static Quotas quotas() {
    assumeTrue(Host.isRoot(), "needs root: mounts XFS images on loop devices");
    return Linux.nativeDefault().quotas();
  }

  private record Exit(int status, String output) {}

  private static Exit runAgent(Path root, String... flags) throws IOException, InterruptedException {
    List<String> args = new ArrayList<>(List.of("agent", "--ip=127.0.0.1", "--port=0",
        "--runtime_dir=" + root.resolve("runtime"), ISOLATION));
    args.addAll(List.of(flags));
    Path out = root.resolve("agent.log");
    Process agent = new ProcessBuilder(AgentProcess.corralCommand(args.toArray(String[]::new)))
        .redirectErrorStream(true).redirectOutput(out.toFile()).start();
    boolean exited = agent.waitFor(Patience.seconds(60), TimeUnit.SECONDS);
    if (!exited) {
      agent.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    String output = Files.readString(out, StandardCharsets.UTF_8);
    assertTrue(exited, "the agent should refuse to start, but it runs: " + output);
    return new Exit(agent.exitValue(), output);
  }

  /** Healthy; false while it does not listen yet (a refused connection). */
  private static boolean up(AgentClient client) {
    try {
      return client.healthy();
    } catch (UncheckedIOException e) {
      return false;
    }
  }

  @Test
  void anAgentWhoseWorkDirIsNotOnXfsRefusesToStart() throws Exception {
    quotas();
    Path root = TestDirectories.notUnderTmp("xfs-it", "ext");
    Path work = Files.createDirectories(root.resolve("work"));
    Exit exit = runAgent(root, "--work_dir=" + work);
    assertEquals(1, exit.status(), exit.output());
    assertTrue(exit.output().contains("Failed to create isolator 'disk/xfs': '" + work
        + "' is not an XFS filesystem (statfs f_type 0x"), exit.output());
    assertTrue(exit.output().contains("mount -o prjquota"), "how to fix it: " + exit.output());
  }

  @Test
  void anAgentOnXfsWithoutProjectQuotaRefusesToStartWithTheKernelsAnswer() throws Exception {
    Quotas quotas = quotas();
    try (ScratchXfs xfs = ScratchXfs.mount("xfs-it", false)) {
      Path work = Files.createDirectories(xfs.mountPoint().resolve("work"));
      String kernel;
      try {
        kernel = "reports project quota accounting "
            + (quotas.quotaState(xfs.device()).accounting() ? "on" : "off");
      } catch (LinuxException e) {
        kernel = "the kernel answers " + e.getMessage();
      }
      Exit exit = runAgent(xfs.directory(), "--work_dir=" + work);
      assertEquals(1, exit.status(), exit.output());
      assertTrue(exit.output().contains("Failed to create isolator 'disk/xfs': XFS project quotas"
          + " are not enabled on '" + work + "': '" + xfs.device() + "' is mounted on '"
          + xfs.mountPoint() + "'"), exit.output());
      assertTrue(exit.output().contains(kernel), "the kernel's answer '" + kernel + "': "
          + exit.output());
      assertTrue(exit.output().contains("Mount it with -o prjquota"), exit.output());
    }
  }

  @Test
  void withProjectQuotaAContainerOverItsDiskIsDestroyed() throws Exception {
    Quotas quotas = quotas();
    try (ScratchXfs xfs = ScratchXfs.mount("xfs-it", true)) {
      String missing = xfs.missingQuota(quotas);
      assumeTrue(missing == null, missing);
      Path work = Files.createDirectories(xfs.mountPoint().resolve("work"));
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      Process agent = new ProcessBuilder(AgentProcess.corralCommand("agent", "--ip=127.0.0.1",
          "--port=" + port, "--work_dir=" + work, "--runtime_dir=" + xfs.directory().resolve("rt"),
          ISOLATION, "--xfs_kill_containers",
          "--cgroups_root=corral-it-xfs-" + ProcessHandle.current().pid()))
          .redirectErrorStream(true).redirectOutput(xfs.directory().resolve("agent.log").toFile())
          .start();
      try {
        AgentClient client = new AgentClient(URI.create("http://127.0.0.1:" + port),
            work.resolve("credentials"));
        assertTrue(Eventually.poll(Patience.of(Duration.ofSeconds(60)), () -> up(client)), "agent up");
        // disk/xfs publishes its project ids in Mesos' snapshot keys: none is taken yet.
        com.google.gson.JsonObject metrics = com.google.gson.JsonParser.parseString(
            client.request("GET", "/metrics/snapshot").body()).getAsJsonObject();
        double total = metrics.get("containerizer/mesos/disk/project_ids_total").getAsDouble();
        assertTrue(total > 0, metrics.toString());
        assertEquals(total, metrics.get("containerizer/mesos/disk/project_ids_free").getAsDouble(), metrics.toString());
        assertEquals(200, client.postJson(AgentClient.launchJsonRaw("\"container_id\":{\"value\":"
            + "\"big\"},\"command\":{\"value\":\"dd if=/dev/zero of=f bs=1M count=3 conv=fsync;"
            + " sleep 120\"},\"resources\":[{\"name\":\"disk\",\"type\":\"SCALAR\",\"scalar\":"
            + "{\"value\":1}}]")).statusCode());
        Response.WaitContainer wait = client.waitFor("big", Patience.of(Duration.ofSeconds(90)));
        assertEquals(TaskStatus.Reason.REASON_CONTAINER_LIMITATION_DISK, wait.getReason(),
            wait.toString());
        assertEquals(200, client.remove("big"));
      } finally {
        agent.destroy();
        if (!agent.waitFor(60, TimeUnit.SECONDS)) {
          agent.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
      }
    }
  }

}
