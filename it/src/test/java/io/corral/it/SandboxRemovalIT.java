package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.it.support.AgentClient;
import io.corral.it.support.AgentProcess;
import io.corral.it.support.Eventually;
import io.corral.it.support.Host;
import io.corral.posix.MountInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Removing a sandbox never deletes through a mount below it, on the real kernel: a host
 * directory bind-mounted under a container's sandbox (as a volume whose unmount was missed would
 * be) keeps its files through REMOVE_CONTAINER, and through the removal of an orphan sandbox by a
 * restarted agent's recovery; the mount is left in place and the agent logs it.
 */
@Tag("root")
class SandboxRemovalIT {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path temp;

  @Test
  void removeLeavesAHostBindMountAndItsFilesAlone() throws Exception {
    assumeTrue(Host.isRoot(), "needs root: namespaces and mount(2)");
    Path host = hostDirectory();
    try (AgentProcess agent = AgentProcess.start(AgentProcess.FULL_ISOLATION)) {
      AgentClient client = agent.client();
      assertEquals(200, client.launch("bound", "exec sleep 1000"), agent.logTail());
      Path sandbox = agent.sandbox("bound");
      Path volume = Files.createDirectories(sandbox.resolve("volumes/data"));
      run("mount", "--bind", host.toString(), volume.toString());
      try {
        assertEquals(200, client.kill("bound"));
        client.waitFor("bound", WAIT);

        assertEquals(200, client.remove("bound"), agent.logTail());

        assertEquals("precious", Files.readString(host.resolve("file")));
        assertEquals("precious", Files.readString(host.resolve("sub/nested")));
        assertTrue(mounted(volume), "the mount is left in place");
        assertFalse(Files.exists(sandbox.resolve("stdout")), "the sandbox's own files are gone");
        assertTrue(client.container("bound").isEmpty(), "the container is forgotten");
        Eventually.await(WAIT, () -> agent.logTail().contains("mount point(s) below it in place"),
            () -> "the agent logs the mount it left" + agent.logTail());
        assertTrue(agent.logTail().contains("'" + volume.toRealPath() + "'"), agent.logTail());
      } finally {
        run("umount", volume.toString());
      }
    }
    assertEquals("precious", Files.readString(host.resolve("file")));
  }

  @Test
  void recoveryRemovesAnOrphanSandboxButNotTheMountUnderIt() throws Exception {
    assumeTrue(Host.isRoot(), "needs root: namespaces and mount(2)");
    Path host = hostDirectory();
    AgentProcess first = AgentProcess.start(AgentProcess.FULL_ISOLATION);
    assertEquals(200, first.client().launch("orphan", "exec sleep 1000"), first.logTail());
    assertEquals(200, first.client().kill("orphan"));
    first.client().waitFor("orphan", WAIT);
    first.stop();
    Path sandbox = first.sandbox("orphan");
    // Without its runtime directory the sandbox is an orphan to the next agent (as after a reboot).
    run("rm", "-rf", first.runtimeDir().resolve("containers/orphan").toString());
    Path volume = Files.createDirectories(sandbox.resolve("volumes/data"));
    run("mount", "--bind", host.toString(), volume.toString());
    try (AgentProcess second = first.restart(AgentProcess.FULL_ISOLATION)) {
      try {
        Eventually.await(WAIT, () -> second.logTail().contains("mount point(s) below it in place"),
            () -> "the restarted agent removes the orphan and logs the mount it left" + second.logTail());
        assertEquals("precious", Files.readString(host.resolve("file")));
        assertEquals("precious", Files.readString(host.resolve("sub/nested")));
        assertTrue(mounted(volume), "the mount is left in place");
        assertFalse(Files.exists(sandbox.resolve("stdout")), "the orphan's own files are gone");
      } finally {
        run("umount", volume.toString());
      }
    }
  }

  /** A host directory with a file and a nested file, outside any agent's directories. */
  private Path hostDirectory() throws IOException {
    Path host = Files.createDirectories(temp.resolve("host/sub"));
    Files.writeString(host.resolve("nested"), "precious");
    return Files.writeString(host.getParent().resolve("file"), "precious").getParent();
  }

  private static boolean mounted(Path point) throws IOException {
    Path real = point.toRealPath();
    return MountInfo.read(MountInfo.SELF).stream().anyMatch(e -> e.mountPoint().equals(real));
  }

  private static void run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + output);
  }
}
