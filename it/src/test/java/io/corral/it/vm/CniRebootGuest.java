package io.corral.it.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.it.support.AgentClient;
import io.corral.it.support.AgentProcess;
import io.corral.it.support.Commands;
import io.corral.it.support.Eventually;
import io.corral.it.support.Host;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code --network_cni_root_dir_persist} across a real reboot, run by {@link CniRebootIT} in the
 * test guest, where the command runs again at every boot: the first boot starts two agents whose
 * containers join a bridge network with host-local IPAM (leases in a directory on the guest's root
 * file system, which a reboot keeps; the runtime dirs on a tmpfs, which it clears, as /var/run),
 * one agent with the flag and one without, then reboots the guest at once ({@code sysrq b}: the
 * kernel and every process gone, nothing cleaned up). The second boot restarts both agents on
 * their directories: the one with the flag finds the container's network state under its work
 * dir and runs DEL with the checkpointed configuration (without {@code CNI_NETNS}: the namespace
 * went with the old kernel), so host-local releases the address; the one without finds nothing
 * (the state was on the tmpfs), and the address stays allocated, as in Mesos. Never run it
 * outside the guest: it reboots the machine.
 */
@Tag("root")
class CniRebootGuest {
  /** On the guest's root file system: kept by a reboot (run.sh's copy-on-write file). */
  private static final Path BASE = Path.of("/var/lib/corral-cni-reboot");
  private static final Path BOOTED = BASE.resolve("first-boot");
  private static final String ISOLATION = "--isolation=filesystem/posix,posix/cpu,posix/mem,namespaces/pid,network/cni";
  private static final List<String> AGENTS = List.of("persist", "volatile");

  @Test
  void aPersistedNetworkIsReleasedWhenTheAgentRecoversAfterAReboot() throws IOException {
    assumeTrue(Files.readString(Path.of("/proc/cmdline")).contains("init=/sbin/corral-testvm-init"),
        "runs in the test guest only: it reboots the machine");
    if (Files.exists(BOOTED)) {
      afterReboot();
    } else {
      beforeReboot();
    }
  }

  private static void beforeReboot() throws IOException {
    for (String module : List.of("bridge", "veth")) {
      assertEquals(0, Commands.run("modprobe", module).exit(), "the guest kernel's " + module + " module");
    }
    Files.createDirectories(BASE.resolve("net.d"));
    Files.writeString(BASE.resolve("net.d/10-cnit-r.conf"), "{\"cniVersion\":\"1.0.0\",\"name\":\"cnit-r\","
        + "\"type\":\"bridge\",\"bridge\":\"cni-tr\",\"isGateway\":true,\"ipMasq\":false,\"ipam\":{\"type\":"
        + "\"host-local\",\"dataDir\":\"" + BASE.resolve("ipam") + "\",\"ranges\":[[{\"subnet\":\"10.199.17.0/24\"}]]}}");
    for (String agent : AGENTS) {
      Path runtime = Files.createDirectories(BASE.resolve(agent).resolve("runtime"));
      // the runtime dir on a tmpfs, which a reboot clears as it clears /var/run
      assertEquals(0, Commands.run("mount", "-t", "tmpfs", "-o", "mode=0755", "tmpfs", runtime.toString()).exit());
      AgentProcess process = start(agent);
      String launch = AgentClient.launchJsonRaw("\"container_id\":{\"value\":\"r-" + agent + "\"},\"command\":"
          + "{\"value\":\"sleep 1000\"},\"container\":{\"type\":\"MESOS\",\"network_infos\":[{\"name\":\"cnit-r\"}]}");
      assertEquals(200, process.client().postJson(launch).statusCode(), process.logTail());
      assertTrue(Files.isDirectory(cniRoot(agent).resolve("r-" + agent)), "the CNI state of r-" + agent);
    }
    assertEquals(2, leases().size(), "one lease per container: " + leases());
    Files.writeString(BOOTED, bootId());
    System.out.println("before the reboot: leases " + leases() + ", boot " + bootId());
    // Reboot now: no unmount, no process ends cleanly. From a one-thread shell: user-mode Linux
    // aborted instead of rebooting when a JVM thread wrote the trigger.
    Commands.run("sh", "-c", "sync && echo b > /proc/sysrq-trigger");
    Eventually.await(Duration.ofMinutes(5), () -> false, "the guest to reboot");
  }

  private static void afterReboot() throws IOException {
    assertNotEquals(Files.readString(BOOTED), bootId(), "a new boot");
    for (String agent : AGENTS) {
      assertEquals(Set.of(), Host.entries(BASE.resolve(agent).resolve("runtime")), "the runtime dir went with the reboot");
    }
    Set<String> before = leases();
    assertEquals(2, before.size(), "the leases are kept on disk: " + before);
    assertTrue(Files.isDirectory(cniRoot("persist").resolve("r-persist")), "the persisted CNI state is kept");
    AgentProcess persist = start("persist");
    AgentProcess unpersisted = start("volatile");
    try {
      assertTrue(persist.logTail().contains("Cleaning up the CNI networks of the orphan container [r-persist]"),
          persist.logTail());
      assertFalse(Files.exists(cniRoot("persist").resolve("r-persist")), "the persisted CNI state is removed");
      assertEquals(1, leases().size(), "the persisting agent's lease is released: " + leases());
      assertTrue(before.containsAll(leases()), "the other agent's lease is the one left (it knows nothing of it)");
      assertFalse(Files.exists(cniRoot("volatile").resolve("r-volatile")), "its CNI state went with the tmpfs");
      for (AgentProcess agent : List.of(persist, unpersisted)) {
        assertTrue(agent.client().container("r-" + (agent == persist ? "persist" : "volatile")).isEmpty(),
            "the container is gone with the old boot");
        assertTrue(agent.client().healthy(), agent.logTail());
      }
      assertEquals(Set.of(), Host.mounts().stream().filter(m -> m.contains(BASE.toString())).collect(Collectors.toSet()),
          "no mount left");
    } finally {
      persist.close();
      unpersisted.close();
      Commands.run("rm", "-rf", BASE.toString());
    }
  }

  private static AgentProcess start(String agent) {
    Path plugins = Path.of("/usr/lib/cni");
    List<String> flags = List.of(ISOLATION, "--network_cni_config_dir=" + BASE.resolve("net.d"),
        "--network_cni_plugins_dir=" + plugins, "--network_cni_root_dir_persist=" + agent.equals("persist"));
    return AgentProcess.launch(BASE.resolve(agent), Map.of(), true, flags.toArray(String[]::new));
  }

  /** The agent's CNI root dir: under its work dir with the flag, else under its runtime dir. */
  private static Path cniRoot(String agent) {
    return BASE.resolve(agent).resolve(agent.equals("persist") ? "work" : "runtime").resolve("isolators/network/cni");
  }

  /** host-local's leases on the network (its lock and last-reserved files aside). */
  private static Set<String> leases() {
    return Host.entries(BASE.resolve("ipam/cnit-r")).stream()
        .filter(n -> !n.equals("lock") && !n.startsWith("last_reserved_ip")).collect(Collectors.toSet());
  }

  private static String bootId() throws IOException {
    return Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip();
  }
}
