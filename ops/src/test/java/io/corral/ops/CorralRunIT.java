package io.corral.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Smoke tests of {@code corral run} as a user runs it: the shaded jar (built in {@code package},
 * before this phase) as a child process, with real isolation, as root.
 */
@Tag("root")
class CorralRunIT {
  private static final Path JAR = Path.of("target", "corral.jar").toAbsolutePath();
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  @TempDir Path tmp;

  @BeforeAll
  static void needsRoot() {
    assumeTrue(Host.isRoot(), "needs root: corral run with namespaces/pid creates a pid namespace");
    assertTrue(Files.isRegularFile(JAR), "the shaded jar is built in package: " + JAR);
  }

  @Test
  void runShowsOnlyTheInitAndTheCommandAndExitsWithItsStatus() throws Exception {
    Path out = tmp.resolve("stdout");
    Path err = tmp.resolve("stderr");
    Process corral = corral(out, err,
        "run", "--isolation=filesystem/posix,posix/cpu,posix/mem,namespaces/pid",
        "--runtime_dir=" + tmp.resolve("runtime"),
        "--", "sh", "-c", "ps -o pid,comm; exit 3");
    assertTrue(corral.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "corral run did not exit");

    String stdout = Files.readString(out);
    assertEquals(3, corral.exitValue(), "stdout:\n" + stdout + "stderr:\n" + Files.readString(err));
    List<String> lines = stdout.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    assertEquals("PID COMMAND", lines.get(0).replaceAll("\\s+", " "), stdout);
    Set<String> rows = lines.subList(1, lines.size()).stream()
        .map(l -> l.replaceAll("\\s+", " "))
        .collect(Collectors.toCollection(TreeSet::new));
    assertEquals(3, rows.size(), "only corral-init, sh and ps:\n" + stdout);
    assertTrue(rows.contains("1 corral-init"), stdout);
    assertTrue(rows.contains("2 sh"), stdout);
    assertTrue(rows.stream().anyMatch(r -> r.matches("\\d+ ps")), stdout);
    assertFalse(stdout.contains("INFO"), "logs go to stderr, stdout is the command's:\n" + stdout);
    assertEquals("", Files.readString(err), "only WARNING and above without --logging_level");
  }

  @Test
  void loggingLevelInfoShowsTheAgentsOwnLines() throws Exception {
    Path out = tmp.resolve("stdout");
    Path err = tmp.resolve("stderr");
    Process corral = corral(out, err, "run", "--logging_level=INFO",
        "--isolation=filesystem/posix,posix/cpu,posix/mem", "--runtime_dir=" + tmp.resolve("runtime"),
        "--", "echo", "hi");
    assertTrue(corral.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "corral run did not exit");
    assertEquals(0, corral.exitValue(), Files.readString(err));
    assertEquals("hi\n", Files.readString(out));
    assertTrue(Files.readString(err).contains("Using isolation"), "the isolation is logged");
  }

  @Test
  void sigintDestroysTheContainerAndExits130() throws Exception {
    String seconds = "7" + ProcessHandle.current().pid() % 1000 + "1";
    Path out = tmp.resolve("stdout");
    Path err = tmp.resolve("stderr");
    Process corral = corral(out, err,
        "run", "--isolation=filesystem/posix,posix/cpu,posix/mem,namespaces/pid",
        "--logging_level=INFO", "--runtime_dir=" + tmp.resolve("runtime"), "--", "sleep", seconds);
    List<ProcessHandle> started = new ArrayList<>();
    await(() -> {
      if (!corral.isAlive()) {
        throw new AssertionError("corral run exited with " + corral.exitValue() + ":\n" + read(err));
      }
      started.clear();
      corral.descendants().forEach(started::add);
      return started.stream().anyMatch(p -> isSleep(p.pid(), seconds));
    }, "the container's sleep to run");

    assertEquals(0, new ProcessBuilder("kill", "-INT", Long.toString(corral.pid())).start().waitFor());
    assertTrue(corral.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "corral run did not exit on SIGINT");
    assertEquals(130, corral.exitValue(), Files.readString(err));
    for (ProcessHandle p : started) {
      await(() -> !p.isAlive(), "process " + p.pid() + " to be gone");
    }
    assertFalse(anySleep(seconds), "a 'sleep " + seconds + "' survived corral run");
    assertTrue(Files.readString(err).contains("Interrupted: destroying container"), Files.readString(err));
  }

  /**
   * Starts {@code java -jar corral.jar args}. Through perl (always on Debian) so that SIGINT is
   * not inherited as ignored, as it is when the build itself runs in a background job; the JVM
   * only handles SIGINT if it starts with the default disposition.
   */
  private static Process corral(Path out, Path err, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    if (Files.isExecutable(Path.of("/usr/bin/perl"))) {
      cmd.addAll(List.of("/usr/bin/perl", "-e", "$SIG{INT} = 'DEFAULT'; exec @ARGV or die \"exec: $!\""));
    }
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("--enable-native-access=ALL-UNNAMED");
    cmd.add("-jar");
    cmd.add(JAR.toString());
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd)
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
        .redirectOutput(out.toFile())
        .redirectError(err.toFile())
        .start();
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "(cannot read '" + file + "': " + e + ")";
    }
  }

  private static boolean anySleep(String seconds) throws IOException {
    try (var pids = Files.list(Path.of("/proc"))) {
      return pids.map(p -> p.getFileName().toString())
          .filter(n -> n.chars().allMatch(Character::isDigit))
          .anyMatch(n -> isSleep(Long.parseLong(n), seconds));
    }
  }

  private static boolean isSleep(long pid, String seconds) {
    try {
      byte[] cmdline = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
      return new String(cmdline, StandardCharsets.UTF_8).equals("sleep\0" + seconds + "\0");
    } catch (IOException e) {
      return false; // gone meanwhile
    }
  }

  /** Polls {@code condition} until it holds or {@link #TIMEOUT} passes; parks between polls. */
  private static void await(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("Timed out after " + TIMEOUT + " waiting for " + what);
      }
      LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
    }
  }
}
