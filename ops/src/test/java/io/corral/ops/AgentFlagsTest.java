package io.corral.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.actors.ContainerizerSettings;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

class AgentFlagsTest {

  private static AgentCommand parseAgent(String... args) {
    CommandLine cli = Main.commandLine();
    String[] all = new String[args.length + 1];
    all[0] = "agent";
    System.arraycopy(args, 0, all, 1, args.length);
    return cli.parseArgs(all).subcommand().commandSpec().userObject() instanceof AgentCommand a ? a : null;
  }

  @Test
  void defaultsAreMesosOnesAndHostDependentOnesAreResolved() {
    AgentCommand agent = parseAgent("--work_dir=/w");
    assertEquals("127.0.0.1", agent.http.ip());
    assertEquals(5051, agent.http.port());
    assertEquals(Duration.ofMinutes(1), agent.flags.containerLaunchTimeout());
    assertEquals(ContainerizerSettings.DEFAULT_LAUNCH_TIMEOUT, agent.flags.containerLaunchTimeout(),
        "the same default as an embedding scheduler gets");
    assertEquals(ContainerizerSettings.DEFAULT_ISOLATOR_PHASE_TIMEOUT, agent.flags.isolatorPhaseTimeout());
    assertEquals(AgentFlags.LoggingLevel.INFO, agent.flags.loggingLevel());
    assertNull(agent.flags.isolation(), "unresolved until the host is known");

    agent.flags.resolve(true, AgentFlags.ROOT_ISOLATION);
    assertEquals(Path.of("/var/run/corral"), agent.flags.runtimeDir());
    assertEquals(Path.of("/var/run/corral/bin"), agent.flags.launcherDir());
    assertEquals(AgentFlags.ROOT_ISOLATION, agent.flags.isolation());
    assertTrue(agent.flags.isolationReason().contains("root"), agent.flags.isolationReason());

    AgentCommand user = parseAgent("--work_dir=/w");
    user.flags.resolve(false, AgentFlags.MESOS_ISOLATION);
    assertEquals(AgentFlags.userRuntimeDir(System.getenv("XDG_RUNTIME_DIR"), System.getProperty("java.io.tmpdir"),
        Host.effectiveUid()), user.flags.runtimeDir());
    assertEquals(AgentFlags.MESOS_ISOLATION, user.flags.isolation());
    assertTrue(user.flags.isolationReason().contains("Mesos default"), user.flags.isolationReason());
  }

  @Test
  void aUserRuntimeDirIsTheSessionsOrOneNamedForTheUid() {
    assertEquals(Path.of("/run/user/1000/corral"), AgentFlags.userRuntimeDir("/run/user/1000", "/tmp", 1000));
    assertEquals(Path.of("/tmp/corral-1000/runtime"), AgentFlags.userRuntimeDir(null, "/tmp", 1000));
    assertEquals(Path.of("/tmp/corral-1000/runtime"), AgentFlags.userRuntimeDir("relative", "/tmp", 1000));
  }

  @Test
  void acceptsNameEqualsValueAndNameSpaceValue() {
    AgentCommand agent = parseAgent(
        "--ip=0.0.0.0", "--port", "6000", "--work_dir=/w", "--runtime_dir", "/r",
        "--isolation=posix/cpu", "--launcher_dir=/l", "--container_launch_timeout=500ms",
        "--logging_level=WARNING", "--isolator_phase_timeout=2.5secs");
    agent.flags.resolve(true, AgentFlags.ROOT_ISOLATION);
    assertEquals("0.0.0.0", agent.http.ip());
    assertEquals(6000, agent.http.port());
    assertEquals(Path.of("/w"), agent.flags.workDir());
    assertEquals(Path.of("/r"), agent.flags.runtimeDir());
    assertEquals(Path.of("/l"), agent.flags.launcherDir());
    assertEquals("posix/cpu", agent.flags.isolation());
    assertEquals("given by --isolation", agent.flags.isolationReason());
    assertEquals(Duration.ofMillis(500), agent.flags.containerLaunchTimeout());
    assertEquals(Duration.ofMillis(2500), agent.flags.isolatorPhaseTimeout());
    assertEquals(AgentFlags.LoggingLevel.WARNING, agent.flags.loggingLevel());
  }

  @Test
  void cgroupsFlagsBecomeTheCgroupsConfig() {
    io.corral.isolators.cgroups.CgroupsConfig defaults = parseAgent("--work_dir=/w").flags.cgroups();
    assertEquals(Path.of("/sys/fs/cgroup"), defaults.hierarchy());
    assertEquals("corral", defaults.root());
    assertEquals(false, defaults.enableCfs());
    assertNull(defaults.netClsPrimary());
    assertEquals(1, defaults.netClsSecondaryLow());
    assertEquals(0xffff, defaults.netClsSecondaryHigh());
    io.corral.isolators.cgroups.CgroupsConfig given = parseAgent("--work_dir=/w",
        "--cgroups_hierarchy=/cg", "--cgroups_root=agents/a1", "--cgroups_enable_cfs",
        "--cgroups_max_pids=100", "--cgroups_net_cls_primary_handle=0xAAAA",
        "--cgroups_net_cls_secondary_handles=0x10,0x20", "--cgroups_destroy_timeout=5secs")
        .flags.cgroups();
    assertEquals(Path.of("/cg"), given.hierarchy());
    assertEquals("agents/a1", given.root());
    assertEquals(true, given.enableCfs());
    assertEquals(100, given.maxPids());
    assertEquals(0xAAAA, given.netClsPrimary());
    assertEquals(0x10, given.netClsSecondaryLow());
    assertEquals(0x20, given.netClsSecondaryHigh());
    assertEquals(Duration.ofSeconds(5), given.destroyTimeout());
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> parseAgent("--work_dir=/w",
            "--cgroups_net_cls_primary_handle=0x1FFFF").flags.cgroups());
    assertEquals("Failed to parse --cgroups_net_cls_primary_handle '0x1FFFF': not a 16-bit handle",
        e.getMessage());
  }

  @Test
  void diskDuFlagsBecomeTheDuConfig() {
    io.corral.isolators.disk.DuConfig defaults = parseAgent("--work_dir=/w").flags.du();
    assertEquals(Duration.ofSeconds(15), defaults.interval());
    assertEquals(false, defaults.enforce());
    assertEquals(io.corral.isolators.disk.DuConfig.hostParallelism(), defaults.parallelism());
    assertEquals(Duration.ofMinutes(5), defaults.timeout());
    assertEquals("du", defaults.command());
    io.corral.isolators.disk.DuConfig given = parseAgent("--work_dir=/w",
        "--container_disk_watch_interval=200ms", "--enforce_container_disk_quota",
        "--container_disk_watch_parallelism=3", "--container_disk_watch_timeout=2secs").flags.du();
    assertEquals(new io.corral.isolators.disk.DuConfig(Duration.ofMillis(200), true, 3,
        Duration.ofSeconds(2), "du"), given);
    StartupException e = org.junit.jupiter.api.Assertions.assertThrows(StartupException.class,
        () -> parseAgent("--work_dir=/w", "--container_disk_watch_parallelism=0").flags.isolatorOptions());
    assertEquals("Failed to configure disk/du: --container_disk_watch_parallelism must be at least 1,"
        + " not 0", e.getMessage());
    e = org.junit.jupiter.api.Assertions.assertThrows(StartupException.class,
        () -> parseAgent("--work_dir=/w", "--container_disk_watch_interval=0secs").flags.isolatorOptions());
    assertEquals("Failed to configure disk/du: --container_disk_watch_interval must be positive",
        e.getMessage());
  }

  @Test
  void recoverIsReconnectByDefaultTakesCleanupAndRefusesAnythingElse() {
    assertEquals(io.corral.actors.Containerizer.RecoverMode.RECONNECT, parseAgent("--work_dir=/w").http.recover());
    assertEquals(io.corral.actors.Containerizer.RecoverMode.CLEANUP,
        parseAgent("--work_dir=/w", "--recover=cleanup").http.recover());
    StartupException e = org.junit.jupiter.api.Assertions.assertThrows(StartupException.class,
        () -> parseAgent("--work_dir=/w", "--recover=RECONNECT").http.recover());
    assertEquals("Failed to load flag 'recover': Invalid value 'RECONNECT': expected 'reconnect' or 'cleanup'",
        e.getMessage());
  }

  @Test
  void launcherDirFollowsAGivenRuntimeDir() {
    AgentCommand agent = parseAgent("--work_dir=/w", "--runtime_dir=/r");
    agent.flags.resolve(false, AgentFlags.MESOS_ISOLATION);
    assertEquals(Path.of("/r/bin"), agent.flags.launcherDir());
  }

  @Test
  void rendersEveryFlagSortedByNameInStoutForm() {
    AgentCommand agent = parseAgent("--work_dir=/w", "--runtime_dir=/r", "--container_launch_timeout=90secs");
    agent.flags.resolve(false, AgentFlags.MESOS_ISOLATION);
    Map<String, String> flags = FlagValues.render(agent.http, agent.flags);
    assertEquals(
        List.of("cgroups_destroy_timeout", "cgroups_enable_cfs", "cgroups_hierarchy",
            "cgroups_pressure_hierarchy", "cgroups_root",
            "container_disk_watch_interval", "container_disk_watch_parallelism",
            "container_disk_watch_timeout", "container_launch_timeout",
            "disallow_sharing_agent_ipc_namespace", "disallow_sharing_agent_pid_namespace",
            "enforce_container_disk_quota", "ip", "isolation", "isolator_phase_timeout", "launcher_dir",
            "logging_level", "port", "recover", "runtime_dir", "work_dir", "xfs_kill_containers",
            "xfs_project_range"),
        List.copyOf(flags.keySet()));
    assertEquals("reconnect", flags.get("recover"));
    assertEquals("1.5mins", flags.get("container_launch_timeout"));
    assertEquals("15secs", flags.get("container_disk_watch_interval"));
    assertEquals("5mins", flags.get("container_disk_watch_timeout"));
    assertEquals(Integer.toString(io.corral.isolators.disk.DuConfig.hostParallelism()),
        flags.get("container_disk_watch_parallelism"));
    assertEquals("false", flags.get("enforce_container_disk_quota"));
    assertEquals("1mins", flags.get("isolator_phase_timeout"));
    assertEquals("1mins", flags.get("cgroups_destroy_timeout"));
    assertEquals("false", flags.get("cgroups_enable_cfs"));
    assertEquals("/sys/fs/cgroup", flags.get("cgroups_hierarchy"));
    assertEquals("corral", flags.get("cgroups_root"));
    assertEquals("127.0.0.1", flags.get("ip"));
    assertEquals("posix/cpu,posix/mem", flags.get("isolation"));
    assertEquals("/r/bin", flags.get("launcher_dir"));
    assertEquals("INFO", flags.get("logging_level"));
    assertEquals("5051", flags.get("port"));
    assertEquals("/r", flags.get("runtime_dir"));
    assertEquals("/w", flags.get("work_dir"));
    assertEquals("[5000-10000]", flags.get("xfs_project_range"));
    assertEquals("false", flags.get("xfs_kill_containers"));
  }

  @Test
  void rendersBoolsAsStoutDoes() {
    class WithBool {
      @CommandLine.Option(names = "--enforce_container_disk_quota") boolean enforce;
    }
    WithBool on = new WithBool();
    on.enforce = true;
    assertEquals(Map.of("enforce_container_disk_quota", "true"), FlagValues.render(on));
    assertEquals(Map.of("enforce_container_disk_quota", "false"), FlagValues.render(new WithBool()));
  }

  @Test
  void agentHelpListsEveryFlagWithItsDefault() {
    CommandLine agent = Main.commandLine().getSubcommands().get("agent");
    StringWriter out = new StringWriter();
    agent.usage(new PrintWriter(out));
    String help = out.toString();
    String flat = help.replaceAll(",\\s+", ",").replaceAll("\\s+", " ");
    for (OptionSpec option : agent.getCommandSpec().options()) {
      if (option.usageHelp() || option.versionHelp()) {
        continue;
      }
      String name = option.longestName();
      assertTrue(help.contains(name + "=") || help.contains(name + "[="),
          "help lacks " + name + ":\n" + help);
      String description = String.join(" ", option.description());
      assertTrue(description.contains("Default:"), name + " documents no default: " + description);
    }
    assertTrue(flat.contains("Default: 127.0.0.1"), help);
    assertTrue(flat.contains("Default: 5051"), help);
    assertTrue(flat.contains("Default: 1mins"), help);
    assertTrue(flat.contains("INFO,WARNING,ERROR. Default: INFO"), help);
    assertTrue(flat.contains("quota is measured sooner. Default: 15secs"), help);
    assertTrue(flat.contains("sample stays. Default: 5mins"), help);
    assertTrue(flat.contains(AgentFlags.ROOT_ISOLATION + " as root"), help);
    assertTrue(flat.contains("/var/run/corral as root,else $XDG_RUNTIME_DIR/corral or "
        + System.getProperty("java.io.tmpdir") + "/corral-<uid>/runtime"), help);
  }

  @Test
  void badValuesAreUsageErrorsWithExitStatus1() {
    StringWriter err = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setErr(new PrintWriter(err));
    assertEquals(1, cli.execute("agent", "--work_dir=/w", "--container_launch_timeout=15s"));
    assertTrue(err.toString().contains("Failed to parse duration '15s': unknown unit 's'"), err.toString());

    err.getBuffer().setLength(0);
    assertEquals(1, cli.execute("agent", "--work_dir=/w", "--isolator_phase_timeout=0secs"));
    assertTrue(err.toString().contains("Failed to parse duration '0secs': must be above zero"), err.toString());

    err.getBuffer().setLength(0);
    assertEquals(1, cli.execute("agent", "--work_dir=/w", "--logging_level=LOUD"));
    assertTrue(err.toString().contains("expected one of [INFO, WARNING, ERROR]"), err.toString());

    err.getBuffer().setLength(0);
    assertEquals(1, cli.execute("agent", "--no_such_flag=1"));
    assertTrue(err.toString().contains("Unknown option: '--no_such_flag=1'"), err.toString());
  }
}
