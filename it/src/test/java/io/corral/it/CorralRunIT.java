package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.it.support.AgentProcess;
import io.corral.it.support.Eventually;
import io.corral.it.support.Host;
import io.corral.it.support.Host.Proc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code corral run} from a shell's point of view: the container's command talks to the
 * terminal, the exit status of {@code corral run} is the command's, and Ctrl-C (SIGINT) destroys
 * the container and exits 130 without leaving any of its processes behind.
 */
@Tag("root")
class CorralRunIT {
  private static final Pattern PS_ROW = Pattern.compile("^\\s*(\\d+)\\s+(\\S+)\\s*$");
  private Path dir;

  @BeforeEach
  void tempDir() throws IOException {
    assumeTrue(Host.isRoot(), "needs root: real namespaces");
    dir = Files.createTempDirectory("corral-run-it-");
  }

  @AfterEach
  void deleteTempDir() throws IOException {
    if (dir != null) {
      try (Stream<Path> walk = Files.walk(dir)) {
        walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private ProcessBuilder corralRun(String... commandAndArgs) {
    List<String> args = new ArrayList<>(List.of(
        "run",
        AgentProcess.FULL_ISOLATION,
        "--work_dir=" + dir.resolve("work"),
        "--runtime_dir=" + dir.resolve("runtime"),
        "--"));
    args.addAll(List.of(commandAndArgs));
    return new ProcessBuilder(AgentProcess.corralCommand(args.toArray(String[]::new)))
        .redirectOutput(dir.resolve("out").toFile())
        .redirectError(dir.resolve("err").toFile());
  }

  private String output() throws IOException {
    return "--- stdout ---\n" + Files.readString(dir.resolve("out"))
        + "--- stderr ---\n" + Files.readString(dir.resolve("err"));
  }

  @Test
  void runShowsOnlyTheContainersProcessesAndExitsWithTheCommandsStatus() throws Exception {
    Process run = corralRun("sh", "-c", "ps -o pid,comm; exit 3").start();
    assertTrue(run.waitFor(60, TimeUnit.SECONDS), "corral run finished");
    assertEquals(3, run.exitValue(), output());

    List<String> rows = new ArrayList<>();
    for (String line : Files.readAllLines(dir.resolve("out"))) {
      Matcher m = PS_ROW.matcher(line);
      if (m.matches()) {
        rows.add(m.group(1) + " " + m.group(2));
      }
    }
    // pid 1 is the init, the shell is pid 2, and ps itself: nothing of the host.
    assertEquals(3, rows.size(), "ps rows: " + rows + "\n" + output());
    assertEquals("1 corral-init", rows.get(0), output());
    assertEquals("2 sh", rows.get(1), output());
    assertTrue(rows.get(2).endsWith(" ps"), "the third row is ps: " + rows);
  }

  /**
   * {@code kill -INT <pid>}, a terminal's Ctrl-C ({@code kill -INT -<process group>}: corral run
   * is started as the leader of its own session and group, as a shell's foreground job is) and
   * {@code kill -TERM <pid>} all destroy the container and exit 130.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"-INT pid", "-INT group", "-TERM pid"})
  void interruptDestroysTheContainerAndExits130(String how) throws Exception {
    String signal = how.split(" ")[0];
    boolean group = how.endsWith("group");
    List<String> cmd = new ArrayList<>(corralRun("sleep", "1000").command());
    // A JVM started with SIGINT ignored (as a shell's background job is) never handles it, and
    // the test's own runner may have been started that way: restore the default dispositions.
    cmd.addAll(0, List.of("setsid", "env", "--default-signal=INT,TERM"));
    Process run = corralRun("sleep", "1000").command(cmd).start();
    int jvm = (int) run.pid();
    Eventually.await(Duration.ofSeconds(60), () -> !sleepsBelow(jvm).isEmpty() || !run.isAlive(),
        () -> "a 'sleep' below corral run " + jvm + ": " + Host.descendants(jvm));
    assertTrue(run.isAlive(), "corral run is still running\n" + output());
    List<Proc> tree = Host.descendants(jvm);

    String target = group ? "-" + jvm : Integer.toString(jvm);
    Process kill = new ProcessBuilder("kill", signal, "--", target).start();
    assertEquals(0, kill.waitFor());
    assertTrue(run.waitFor(60, TimeUnit.SECONDS), "corral run exits after kill " + signal);
    assertEquals(130, run.exitValue(), output());

    List<Proc> survivors = tree.stream().filter(Proc::alive).toList();
    assertEquals(List.of(), survivors, "processes of corral run that outlived it");
  }

  /**
   * The command writes through corral run's own stdout description, as an inherited descriptor
   * would: what the shell writes after it, on the same redirect, follows its output instead of
   * overwriting it (a re-opened {@code /proc/<pid>/fd/1} has an offset of its own).
   */
  @Test
  void outputSharesTheCallersFileOffset() throws Exception {
    ProcessBuilder corral = corralRun("echo", "inner");
    List<String> shell = new ArrayList<>(List.of("sh", "-c", "\"$@\" && echo tail", "sh"));
    shell.addAll(corral.command());
    Process run = new ProcessBuilder(shell)
        .redirectOutput(dir.resolve("out").toFile())
        .redirectError(dir.resolve("err").toFile())
        .start();
    assertTrue(run.waitFor(60, TimeUnit.SECONDS), "corral run finished");
    assertEquals(0, run.exitValue(), output());
    assertEquals("inner\ntail\n", Files.readString(dir.resolve("out")), output());
  }

  @Test
  void missingExecutableExits127NamingIt() throws Exception {
    Process run = corralRun("/no/such/binary").start();
    assertTrue(run.waitFor(60, TimeUnit.SECONDS), "corral run finished");
    assertEquals(127, run.exitValue(), output());
    assertTrue(Files.readString(dir.resolve("err")).contains("'/no/such/binary'")
        || Files.readString(dir.resolve("out")).contains("'/no/such/binary'"), output());
  }

  private static List<Proc> sleepsBelow(int pid) {
    return Host.descendants(pid).stream().filter(p -> p.comm().equals("sleep")).toList();
  }
}
