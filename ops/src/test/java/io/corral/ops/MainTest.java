package io.corral.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class MainTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int execute(String... args) {
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    return cli.execute(args);
  }

  @Test
  void versionIsTheProjectVersion() {
    assertEquals(0, execute("--version"));
    assertTrue(out.toString().matches("corral \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\\R"), out.toString());
  }

  @Test
  void helpNamesBothSubcommands() {
    assertEquals(0, execute("--help"));
    assertTrue(out.toString().contains("agent"), out.toString());
    assertTrue(out.toString().contains("run"), out.toString());
  }

  @Test
  void noSubcommandPrintsUsageToStderrAndFails() {
    assertEquals(1, execute());
    assertTrue(err.toString().contains("Usage: corral"), err.toString());
  }

  @Test
  void agentWithoutWorkDirStopsWithMesosMessage() {
    assertEquals(1, execute("agent"));
    assertEquals("Flag 'work_dir' is required, but it was not provided", err.toString().strip());
  }

  @Test
  void agentWithUnwritableWorkDirStopsWithClearMessage(@TempDir Path tmp) throws IOException {
    Path file = Files.writeString(tmp.resolve("a-file"), "x");
    assertEquals(1, execute("agent", "--work_dir=" + file.resolve("work"), "--runtime_dir=" + tmp));
    String message = err.toString().strip();
    assertTrue(message.startsWith("Failed to create work directory '" + file.resolve("work") + "': "), message);
    assertFalse(message.contains("Exception"), "no stack trace: " + message);
  }

  @Test
  void agentRefusesARuntimeDirThatAnotherUserCouldSwap(@TempDir Path tmp) throws IOException {
    Path shared = Files.createDirectory(tmp.resolve("shared"));
    Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
    Path runtime = shared.resolve("runtime");
    assertEquals(1, execute("agent", "--work_dir=" + tmp.resolve("w"), "--runtime_dir=" + runtime));
    assertEquals("Failed to use runtime directory '" + runtime + "': its ancestor '" + shared
        + "' is writable by others and not sticky", err.toString().strip());
  }

  @Test
  void agentRefusesARuntimeDirOfAnotherUserAndMakesItsOwnPrivate(@TempDir Path tmp) throws IOException {
    Path runtime = Files.createDirectory(tmp.resolve("runtime"));
    Files.setPosixFilePermissions(runtime, PosixFilePermissions.fromString("rwxr-xr-x"));
    int uid = Host.effectiveUid();
    Directories.ensurePrivate("runtime", runtime);
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(runtime)));
    if (uid == 0) { // only root can give the directory away
      Files.setAttribute(runtime, "unix:uid", 4242);
      assertEquals(1, execute("agent", "--work_dir=" + tmp.resolve("w"), "--runtime_dir=" + runtime));
      assertEquals("Failed to use runtime directory '" + runtime + "': owned by uid 4242, not 0",
          err.toString().strip());
    }
  }

  @Test
  void invalidIsolationStopsTheAgentWithTheParsersMessage(@TempDir Path tmp) {
    String dirs = "--runtime_dir=" + tmp.resolve("runtime");
    assertEquals(1, execute("agent", "--work_dir=" + tmp.resolve("w"), dirs, "--isolation=posix/cpu,posix/cpu"));
    assertEquals("Duplicate entries found in --isolation flag 'posix/cpu,posix/cpu'", err.toString().strip());

    err.getBuffer().setLength(0);
    assertEquals(1, execute("run", dirs, "--isolation=posix/cpu,no/such", "--", "true"));
    assertEquals("Unknown or unsupported isolator 'no/such'", err.toString().strip());
    assertFalse(Files.exists(tmp.resolve("w")), "nothing is created for an invalid flag");
  }

  @Test
  void theDocumentedIsolationDefaultsAreTheIsolatorsModuleOnes() {
    assertEquals(AgentFlags.ROOT_ISOLATION, Wiring.hostDefaultIsolation(true));
    assertEquals(AgentFlags.MESOS_ISOLATION, Wiring.hostDefaultIsolation(false));
  }

  @Test
  void runHelpDocumentsTheExitStatuses() {
    assertEquals(0, execute("run", "--help"));
    String help = out.toString();
    assertTrue(help.contains("127"), help);
    assertTrue(help.contains("130"), help);
    assertTrue(help.contains("--container_id=ID"), help);
    assertFalse(help.contains("--port"), "run has no HTTP flags:\n" + help);
  }

  @Test
  void agentAndRunHelpListEveryIsolatorOfTheCatalog() {
    for (String command : new String[] {"agent", "run"}) {
      out.getBuffer().setLength(0);
      assertEquals(0, execute(command, "--help"));
      String help = out.toString();
      for (io.corral.isolators.IsolatorCatalog.Entry entry
          : io.corral.isolators.IsolatorCatalog.ENTRIES) {
        assertTrue(help.contains("  " + entry.name() + " "), command + " --help lacks "
            + entry.name() + ":\n" + help);
      }
    }
  }
}
