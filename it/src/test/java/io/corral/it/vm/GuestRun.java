package io.corral.it.vm;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One run of test classes in the test guest: {@code it/vm/run.sh} (with {@code --systemd} if
 * asked) running {@link GuestTests} on the classpath of this module as built on the host (shared
 * read-only at the same paths) from a working directory of the guest, with the tests' waits
 * ({@code Patience}) five times longer, since the guest runs a JVM several times slower
 * (README.md's measurements).
 *
 * <p>A run starts at once and is awaited later ({@link EarlyGuests} starts several to run side by
 * side). Its output goes, as it comes, to
 * {@code target/<name>.log} ({@code /} read as {@code -}); {@link #await} echoes it with a {@code [<name>]} prefix, so
 * the outputs of guests that ran side by side do not interleave.
 */
final class GuestRun {
  private static final int PATIENCE = 5;

  /** The exit status of run.sh (the tests', or 125 when the guest gave none) and the output lines. */
  record Result(int exit, List<String> output) {
    String all() {
      return String.join("\n", output);
    }
  }

  /**
   * What to run: a {@code name} for the log, whether the guest boots systemd, the guest's working
   * directory, {@link GuestTests}' selectors, and what to add to run.sh's environment.
   */
  record Spec(String name, boolean systemd, String workDir, List<String> selectors,
      Map<String, String> environment) {}

  private final Spec spec;
  private final Process process;
  private final List<String> output = Collections.synchronizedList(new ArrayList<>());
  private final Thread reader;

  private GuestRun(Spec spec, Process process, Path log) {
    this.spec = spec;
    this.process = process;
    this.reader = new Thread(() -> copy(log), "guest-" + spec.name());
    reader.setDaemon(true);
    reader.start();
  }

  /** Boots the guest for {@code spec}; the run goes on in the background. */
  static GuestRun start(Spec spec) throws IOException {
    Path module = Path.of("").toAbsolutePath();
    List<String> command = new ArrayList<>(List.of(module.resolve("vm/run.sh").toString()));
    if (spec.systemd()) {
      command.add("--systemd");
    }
    command.addAll(List.of("bash", "-c", "mkdir -p \"$0\" && cd \"$0\" && exec \"$@\"", spec.workDir(),
        "java", // the guest's JRE 17
        "--enable-native-access=ALL-UNNAMED", "-Dcorral.it.patience=" + PATIENCE,
        "-Dcorral.jar=" + Path.of(System.getProperty("corral.jar")).toAbsolutePath(),
        "-cp", System.getProperty("java.class.path"), GuestTests.class.getName()));
    command.addAll(spec.selectors());
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(spec.environment());
    Path log = module.resolve("target/" + spec.name().replace('/', '-') + ".log");
    Files.createDirectories(log.getParent());
    return new GuestRun(spec, builder.start(), log);
  }

  private void copy(Path log) {
    try (BufferedReader lines = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        PrintStream file = new PrintStream(Files.newOutputStream(log), true, StandardCharsets.UTF_8)) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        file.println(line);
        output.add(line);
      }
    } catch (IOException e) {
      output.add("Failed to read the guest's output: " + e);
    }
  }

  /** Waits for the guest (run.sh's own timeout bounds it), echoes its output and returns it. */
  Result await() throws InterruptedException {
    try {
      reader.join();
      assertTrue(process.waitFor(60, TimeUnit.SECONDS), "run.sh ended after its output");
    } finally {
      stop();
    }
    List<String> lines = List.copyOf(output);
    lines.forEach(line -> System.out.println("[" + spec.name() + "] " + line));
    return new Result(process.exitValue(), lines);
  }

  /** Ends the guest now (run.sh kills the guest on TERM and leaves nothing behind). */
  void stop() {
    process.destroy();
  }
}
