package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.it.support.AgentClient;
import io.corral.it.support.AgentProcess;
import io.corral.it.support.Agents;
import io.corral.it.support.Eventually;
import io.corral.it.support.Host;
import io.corral.it.support.Leaks;
import io.corral.posix.testing.PidFiles;
import io.corral.proto.v1.ResourceStatistics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --launcher=posix} end to end, on this Linux host: a real agent with every isolator the
 * posix launcher runs (launch, usage, disk usage, the kill of a tree with orphaned grandchildren,
 * recovery after SIGKILL of a running container and of one that ended meanwhile, nothing left),
 * and {@code corral run}, as root and as a user, whose default launcher is posix. (The refusal of
 * the other isolators at start is in ops' {@code LauncherFlagTest}, in process.)
 */
@Tag("root")
class PosixLauncherIT {
  private static final String ROOT = "corral-it-posix";
  private static final String ISOLATION = "--isolation=filesystem/posix,posix/cpu,posix/mem,disk/du";
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path temp;
  private final Agents agents = new Agents(ROOT, "--launcher=posix", ISOLATION,
      "--container_disk_watch_interval=200ms", "--cgroups_root=" + ROOT);

  @AfterEach
  void tearDown() {
    agents.close();
  }

  private static ResourceStatistics statistics(AgentClient client, String id) {
    return client.container(id).orElseThrow(() -> new AssertionError("'" + id + "' is not listed"))
        .getResourceStatistics();
  }

  @Test
  void runsAccountsKillsAndRecoversContainersWithoutLeaks() throws Exception {
    assumeTrue(Host.isRoot(), "needs root: the agent's default directories and the leak checks");
    Leaks leaks = new Leaks(ROOT, List.of());
    AgentProcess agent = agents.start();
    AgentClient client = agent.client();
    assertTrue(client.postJson("{\"type\":\"GET_FLAGS\"}").body().contains("\"launcher\""));

    assertEquals(200, client.launch("exits", "echo hello from $PPID; exit 3"));
    assertEquals(3 << 8, client.waitFor("exits").getExitStatus());
    assertTrue(Files.readString(agent.sandbox("exits").resolve("stdout")).startsWith("hello from "));

    String treeCommand = "echo $$ >> pids; sleep 1000 & echo $! >> pids;"
        + " (sleep 1001 & echo $! >> pids); head -c 2097152 /dev/zero > file; wait";
    assertEquals(200, client.postJson(AgentClient.launchJsonRaw("\"container_id\":{\"value\":\"tree\"},"
        + "\"command\":{\"value\":" + AgentClient.quote(treeCommand) + "},"
        + "\"resources\":[{\"name\":\"disk\",\"type\":\"SCALAR\",\"scalar\":{\"value\":64}}]")).statusCode());
    List<Integer> tree = awaitPids(agent.sandbox("tree").resolve("pids"), 3);
    Eventually.await(WAIT, () -> statistics(client, "tree").getDiskUsedBytes() >= 2 << 20,
        () -> "2MB used by 'tree': " + statistics(client, "tree") + agent.logTail());
    ResourceStatistics usage = statistics(client, "tree");
    assertTrue(usage.getMemRssBytes() > 0 && usage.hasCpusUserTimeSecs() && usage.hasCpusSystemTimeSecs(), usage.toString());
    assertEquals(200, client.kill("tree"));
    assertEquals(9, client.waitFor("tree").getExitStatus());
    tree.forEach(pid -> assertEquals(null, Host.read(pid), "process " + pid + " of 'tree' survived the kill"));

    assertEquals(200, client.launch("running", "sleep 1000"));
    assertEquals(200, client.launch("ends", "while [ ! -e go ]; do sleep 0.1; done; exit 7"));
    List<Integer> pids = new ArrayList<>(List.of(agents.initPid(client, "running"), agents.initPid(client, "ends")));
    agent.sigkill();
    Files.writeString(agent.sandbox("ends").resolve("go"), "");
    Eventually.await(WAIT, () -> !Leaks.running(pids.get(1)), "'ends' to exit while no agent runs");

    AgentProcess restarted = agents.restart(agent);
    AgentClient next = restarted.client();
    assertEquals(7 << 8, next.waitFor("ends").getExitStatus(), "the status its shell recorded");
    assertTrue(next.container("running").isPresent(), "'running' is listed after the restart");
    assertTrue(Leaks.running(pids.get(0)), "'running' was re-adopted, not killed");
    assertEquals(200, next.kill("running"));
    assertEquals(9, next.waitFor("running").getExitStatus());
    pids.addAll(tree);
    leaks.assertRemovedWithoutLeaks(restarted, List.of("exits", "tree", "running", "ends"), pids);
  }

  /**
   * The {@code ps} process table, as on a host without {@code /proc} (macOS): a busy container's
   * cpu time (user plus system, as cpus_user_time_secs) and rss come from {@code ps}.
   */
  @Test
  void withThePsProcessTableABusyContainersUsageIsReported() throws Exception {
    assumeTrue(Host.isRoot(), "needs root: the agent's default directories and the leak checks");
    Leaks leaks = new Leaks(ROOT, List.of());
    try (Agents withPs = new Agents(ROOT, "--launcher=posix", ISOLATION, "--process_table=ps",
        "--cgroups_root=" + ROOT)) {
      AgentProcess agent = withPs.start();
      AgentClient client = agent.client();
      String flags = client.postJson("{\"type\":\"GET_FLAGS\"}").body();
      assertTrue(flags.contains("{\"name\":\"process_table\",\"value\":\"ps\"}"), flags);
      assertTrue(Files.readString(agent.logFile()).contains("Using process table 'ps -A -o pid= -o ppid= -o rss="
          + " -o time=' (cpu time is user plus system in one number) for 'posix/cpu', 'posix/mem'"
          + " (given by --process_table)"), agent.logTail());
      assertEquals(200, client.launch("busy", "echo $$ > pids; (while :; do :; done) & echo $! >> pids;"
          + " sleep 1000 & echo $! >> pids; wait"));
      List<Integer> pids = awaitPids(agent.sandbox("busy").resolve("pids"), 3);
      // procps prints whole seconds of cpu time: wait for the first one
      Eventually.await(WAIT, () -> statistics(client, "busy").getCpusUserTimeSecs() >= 1,
          () -> "1 s of cpu in 'busy': " + statistics(client, "busy") + agent.logTail());
      ResourceStatistics usage = statistics(client, "busy");
      assertTrue(usage.getMemRssBytes() > 0 && !usage.hasCpusSystemTimeSecs(), usage.toString());
      assertEquals(200, client.kill("busy"));
      assertEquals(9, client.waitFor("busy").getExitStatus());
      leaks.assertRemovedWithoutLeaks(agent, List.of("busy"), pids);
    }
  }

  @Test
  void corralRunExitsWithTheCommandsStatus() throws Exception {
    assumeTrue(Host.isRoot(), "needs root: runs a user's corral run with setpriv");
    Run exit3 = corral(List.of(), run("--launcher=posix", "sh", "-c", "echo out; exit 3"));
    assertEquals(3, exit3.status(), exit3.stderr());
    assertEquals("out\n", exit3.stdout());

    Path jar = Files.copy(AgentProcess.corralJar(), temp.resolve("corral.jar"));
    // Writable by the user, and sticky as /tmp is: the agent refuses a runtime directory under a
    // directory that others could rename it out of.
    assertEquals(0, new ProcessBuilder("chmod", "1777", temp.toString()).start().waitFor());
    List<String> asUser = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--");
    Run user = corral(asUser, jar, run("--logging_level=INFO", "sh", "-c", "id -u; exit 4"));
    assertEquals(4, user.status(), user.stderr());
    assertEquals("65534\n", user.stdout());
    assertTrue(user.stderr().contains("Using launcher 'posix' (no --launcher given and the linux launcher cannot"
        + " work: the agent does not run as root)"), user.stderr());
  }

  private String[] run(String... args) {
    List<String> all = new ArrayList<>(List.of("run", "--work_dir=" + temp.resolve("w-" + System.nanoTime()),
        "--runtime_dir=" + temp.resolve("r-" + System.nanoTime())));
    int command = 0;
    while (command < args.length && args[command].startsWith("--")) {
      all.add(args[command++]);
    }
    all.add("--");
    all.addAll(List.of(args).subList(command, args.length));
    return all.toArray(String[]::new);
  }

  private record Run(int status, String stdout, String stderr) {}

  private Run corral(List<String> prefix, String... args) throws Exception {
    return corral(prefix, AgentProcess.corralJar(), args);
  }

  private Run corral(List<String> prefix, Path jar, String... args) throws Exception {
    List<String> command = new ArrayList<>(prefix);
    List<String> corral = AgentProcess.corralCommand(args);
    corral.set(corral.indexOf(AgentProcess.corralJar().toString()), jar.toString());
    command.addAll(corral);
    Path out = temp.resolve("out-" + System.nanoTime());
    Path err = temp.resolve("err-" + System.nanoTime());
    Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    if (!p.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("corral " + String.join(" ", args) + " did not exit: " + Files.readString(err));
    }
    return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  private static List<Integer> awaitPids(Path file, int count) {
    Eventually.await(WAIT, () -> PidFiles.read(file).size() >= count, () -> count + " pids in " + file);
    return PidFiles.read(file);
  }
}
