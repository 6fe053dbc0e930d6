package io.corral.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Flags from the environment and {@code file://} values, with stout's precedence. */
class FlagSourcesTest {
  @TempDir Path tmp;

  /** The flags of {@code corral agent} parsed from {@code args} in {@code env}. */
  private static AgentCommand parse(Map<String, String> env, String... args) {
    CommandLine cli = Main.commandLine();
    cli.setDefaultValueProvider(new FlagSources(env));
    cli.parseArgs(FlagSources.expandFileValues(cli, args));
    return cli.getSubcommands().get("agent").getCommand();
  }

  @Test
  void theCommandLineWinsThenCorralThenMesosThenTheDefault() {
    Map<String, String> env = Map.of(
        "MESOS_CONTAINER_DISK_WATCH_INTERVAL", "20secs",
        "CORRAL_CONTAINER_DISK_WATCH_INTERVAL", "30secs",
        "MESOS_ISOLATOR_PHASE_TIMEOUT", "2mins",
        "MESOS_cgroups_root", "lower-case-name",
        "MESOS_WORK_DIR", "/var/lib/from-env",
        "MESOS_NOT_A_FLAG", "ignored");
    AgentCommand agent = parse(env, "agent", "--isolator_phase_timeout=3mins");
    assertEquals(Duration.ofSeconds(30), agent.flags.containerDiskWatchInterval);
    assertEquals(Duration.ofMinutes(3), agent.flags.isolatorPhaseTimeout());
    assertEquals("lower-case-name", agent.flags.cgroupsRoot);
    assertEquals(Path.of("/var/lib/from-env"), agent.flags.workDir());
    assertEquals(Duration.ofMinutes(1), parse(Map.of(), "agent").flags.isolatorPhaseTimeout());
  }

  @Test
  void aFileValueIsTheFilesContentsOrForAPathFlagThePath() throws IOException {
    Path isolation = Files.writeString(tmp.resolve("isolation"), "posix/cpu,posix/mem\n");
    Path interval = Files.writeString(tmp.resolve("interval"), "45secs");
    AgentCommand agent = parse(Map.of("MESOS_CONTAINER_DISK_WATCH_INTERVAL", "file://" + interval),
        "agent", "--isolation=file://" + isolation, "--work_dir=file://" + tmp);
    assertEquals("posix/cpu,posix/mem", agent.flags.isolation());
    assertEquals(Duration.ofSeconds(45), agent.flags.containerDiskWatchInterval);
    assertEquals(tmp, agent.flags.workDir());
  }

  @Test
  void aFlagThatReadsItsFileItselfKeepsTheValue() {
    String[] args = {"agent", "--http_credentials=file:///etc/secret", "--acls=file:///x"};
    assertArrayEquals(args, FlagSources.expandFileValues(Main.commandLine(), args));
  }

  @Test
  void onlyFlagsBeforeTheCommandAreExpanded() {
    String[] args = {"run", "--", "cat", "--isolation=file:///nonexistent"};
    assertArrayEquals(args, FlagSources.expandFileValues(Main.commandLine(), args));
  }

  @Test
  void anUnreadableFileIsOneClearError() {
    StartupException e = assertThrows(StartupException.class, () -> FlagSources.expandFileValues(
        Main.commandLine(), "agent", "--isolation=file://" + tmp.resolve("missing")));
    assertEquals("Failed to load flag 'isolation': Error reading file '" + tmp.resolve("missing")
        + "': No such file or directory", e.getMessage());
  }

  @Test
  void anUnreadableFileInTheEnvironmentIsOneLineNamingTheVariable() {
    StringWriter err = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setDefaultValueProvider(new FlagSources(Map.of("MESOS_ISOLATION", "file:///nonexistent/i")));
    cli.setErr(new PrintWriter(err));
    assertEquals(1, cli.execute("agent", "--work_dir=" + tmp.resolve("never")));
    assertEquals("Failed to load flag 'isolation' from MESOS_ISOLATION: Error reading file"
        + " '/nonexistent/i': No such file or directory", err.toString().strip());
    assertTrue(Files.notExists(tmp.resolve("never")));
  }

  @Test
  void helpNamesTheVariables() {
    StringWriter out = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.execute("agent", "--help");
    assertTrue(out.toString().contains("CORRAL_NAME or"), out.toString());
    assertTrue(out.toString().contains("MESOS_WORK_DIR=/var/lib/corral"), out.toString());
  }
}
