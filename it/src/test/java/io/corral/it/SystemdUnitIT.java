package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.it.support.AgentClient;
import io.corral.it.support.Eventually;
import io.corral.it.support.Host;
import io.corral.it.support.Patience;
import io.corral.proto.v1.agent.Response;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The shipped unit {@code ops/systemd/corral-agent.service}, as an operator installs it, under a
 * real systemd (PID 1) on the cgroup v2 hierarchy: the agent starts through {@code systemctl};
 * a container launched over the HTTP API survives {@code systemctl restart} (the unit's
 * {@code KillMode=process}) and is recovered by the new agent with its limits in place; it
 * survives {@code systemctl stop} too, and the next agent recovers it, kills it and removes
 * everything it made. A host whose PID 1 is not systemd skips this test, and the test guest runs
 * it booted with systemd ({@code GuestKernelIT}, {@code it/vm/run.sh --systemd}).
 */
@Tag("root")
class SystemdUnitIT {
  private static final String UNIT = "corral-agent";
  private static final Path UNIFIED = Path.of("/sys/fs/cgroup");
  /** The unit's agent keeps the default --cgroups_root. */
  private static final Path ROOT = UNIFIED.resolve("corral");
  private static final Path INSTALLED = Path.of("/etc/systemd/system", UNIT + ".service");
  /** A whole agent start through systemd: a JVM, recovery, the HTTP port. */
  private static final Duration START = Patience.of(Duration.ofSeconds(90));

  /** The unit's flags: its port, and the credentials a root agent writes to its work_dir. */
  private final AgentClient client = new AgentClient(URI.create("http://127.0.0.1:5051"),
      Path.of("/var/lib/corral/credentials"));

  @BeforeEach
  void install() throws IOException {
    assumeTrue(Host.isRoot(), "needs root: installs and starts a systemd unit");
    assumeTrue(Files.readString(Path.of("/proc/1/comm")).trim().equals("systemd"),
        "needs systemd as PID 1 (GuestKernelIT boots the test guest with it)");
    assumeTrue(Files.exists(UNIFIED.resolve("cgroup.controllers")),
        "needs the cgroup v2 unified hierarchy at " + UNIFIED);
    Path built = Path.of(System.getProperty("corral.jar", "../ops/target/corral.jar")).toAbsolutePath();
    Path jar = Path.of("/opt/corral/corral.jar");
    Files.createDirectories(jar.getParent());
    Files.copy(built, jar, StandardCopyOption.REPLACE_EXISTING);
    // ops/target/corral.jar: the unit is ops/systemd/corral-agent.service, as shipped
    Path unit = built.getParent().getParent().resolve("systemd").resolve(UNIT + ".service");
    Files.copy(unit, INSTALLED, StandardCopyOption.REPLACE_EXISTING);
    systemctl("daemon-reload");
  }

  @AfterEach
  void uninstall() throws IOException {
    if (Files.exists(INSTALLED)) {
      systemctl("stop", UNIT);
      Files.delete(INSTALLED);
      systemctl("daemon-reload");
    }
  }

  @Test
  void containersOutliveRestartAndStopAndTheNextAgentRecoversThem() throws Exception {
    systemctl("start", UNIT);
    awaitAgent();
    String mainPid = mainPid();
    assertEquals(200, client.postJson(AgentClient.launchJsonRaw("\"container_id\":{\"value\":\"svc\"},"
        + "\"command\":{\"value\":\"exec sleep 1000\"},\"resources\":["
        + "{\"name\":\"mem\",\"type\":\"SCALAR\",\"scalar\":{\"value\":64}},"
        + "{\"name\":\"cpus\",\"type\":\"SCALAR\",\"scalar\":{\"value\":0.5}}]")).statusCode());
    int init = client.container("svc").orElseThrow().getContainerStatus().getExecutorPid();
    Path cgroup = cgroupOf(init);
    step("launched 'svc': init " + init + " in '" + cgroup + "', agent " + mainPid);
    assertEquals(Long.toString(64L << 20), Files.readString(cgroup.resolve("memory.max")).trim());

    systemctl("restart", UNIT);
    awaitAgent();
    assertNotEquals(mainPid, mainPid(), "systemd started a new agent");
    assertRecovered(init, cgroup);
    step("restarted: agent " + mainPid() + " recovered 'svc'");

    systemctl("stop", UNIT);
    assertFalse(active(), "the unit stopped");
    assertTrue(Host.read(init) != null && Host.read(init).alive(), "the container outlives the agent");
    step("stopped: 'svc' still runs");

    systemctl("start", UNIT);
    awaitAgent();
    assertRecovered(init, cgroup);
    step("started again: agent " + mainPid() + " recovered 'svc'");
    assertEquals(200, client.kill("svc"));
    Response.WaitContainer end = client.waitFor("svc");
    assertEquals(9, end.getExitStatus() & 0x7f, end.toString());
    assertEquals(200, client.remove("svc"));
    assertFalse(Files.exists(cgroup), "the container's cgroup '" + cgroup + "' is removed");
    assertTrue(Host.read(init) == null || !Host.read(init).alive(), "the container's init is gone");
    assertEquals(List.of(), Host.entries(ROOT).stream().filter(n -> Files.isDirectory(ROOT.resolve(n)))
        .toList(), "no cgroup left below the agent's root '" + ROOT + "'");
  }

  /** The same container, listed by the new agent, with its init and its limit untouched. */
  private void assertRecovered(int init, Path cgroup) throws IOException {
    Response.GetContainers.Container listed = client.container("svc").orElseThrow(
        () -> new AssertionError("the new agent lists 'svc'"));
    assertEquals(init, listed.getContainerStatus().getExecutorPid(), listed.toString());
    assertTrue(Host.read(init).alive(), "the container's init is alive");
    assertEquals(cgroup, cgroupOf(init), "the container stays in its cgroup");
    assertEquals(Long.toString(64L << 20), Files.readString(cgroup.resolve("memory.max")).trim(),
        "the container keeps its memory limit");
  }

  /** A line of progress: the guest shows the test's output only as it goes. */
  private static void step(String what) {
    System.out.println("SystemdUnitIT: " + what);
  }

  /** Waits until the unit is active and its agent answers GET_HEALTH; a failed unit fails now. */
  private void awaitAgent() {
    Eventually.await(START, () -> {
      String state = systemctl("is-active", UNIT);
      assertNotEquals("failed", state, () -> "the unit failed: " + status());
      return state.equals("active") && answers();
    }, () -> "the agent up under systemd: " + status());
  }

  private static String status() {
    return systemctl("status", "--no-pager", "--lines=30", UNIT);
  }

  private boolean answers() {
    try {
      return client.healthy();
    } catch (RuntimeException e) {
      return false; // not listening yet
    }
  }

  private boolean active() {
    return systemctl("is-active", UNIT).equals("active");
  }

  private String mainPid() {
    return systemctl("show", "--property=MainPID", "--value", UNIT);
  }

  private static Path cgroupOf(int pid) throws IOException {
    String line = Files.readString(Path.of("/proc", Integer.toString(pid), "cgroup")).trim();
    assertTrue(line.startsWith("0::/"), line);
    return UNIFIED.resolve(line.substring(4));
  }

  private static String systemctl(String... args) {
    List<String> command = new ArrayList<>(List.of("systemctl"));
    command.addAll(List.of(args));
    return run(command);
  }

  private static String run(List<String> command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      assertTrue(p.waitFor(START.toSeconds(), TimeUnit.SECONDS), command + " ended");
      return out;
    } catch (IOException e) {
      throw new AssertionError("Failed to run " + command + ": " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
