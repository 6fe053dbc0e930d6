package io.corral.it.vm;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One run of test classes in the test guest: {@code it/vm/run.sh} running {@link GuestTests} on
 * the classpath of this module as built on the host (shared read-only at the same paths), with
 * the tests' waits ({@code Patience}) five times longer, since the guest runs a JVM several times
 * slower (README.md's measurements). The guest's output is echoed with a {@code [guest]} prefix as
 * it comes. Used from the test thread of a host IT.
 */
final class GuestRun {
  private static final int PATIENCE = 5;

  /** The exit status of run.sh (the tests', or 125 when the guest gave none) and the output lines. */
  record Result(int exit, List<String> output) {
    String all() {
      return String.join("\n", output);
    }
  }

  private GuestRun() {}

  static Result run(List<String> testClasses) throws IOException, InterruptedException {
    return run(testClasses, Map.of());
  }

  /** As {@link #run(List)}, with {@code environment} added to run.sh's (e.g. {@code CORRAL_TESTVM_TIMEOUT}). */
  static Result run(List<String> testClasses, Map<String, String> environment) throws IOException, InterruptedException {
    Path module = Path.of("").toAbsolutePath();
    List<String> command = new ArrayList<>(List.of(module.resolve("vm/run.sh").toString(), "bash", "-c",
        "cd \"$0\" && exec \"$@\"", module.toString(),
        "java", // the guest's JRE 17
        "--enable-native-access=ALL-UNNAMED", "-Dcorral.it.patience=" + PATIENCE,
        "-Dcorral.jar=" + Path.of(System.getProperty("corral.jar")).toAbsolutePath(),
        "-cp", System.getProperty("java.class.path"), GuestTests.class.getName()));
    command.addAll(testClasses);
    List<String> output = new ArrayList<>();
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(environment);
    Process guest = builder.start();
    try (BufferedReader lines = new BufferedReader(
        new InputStreamReader(guest.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        System.out.println("[guest] " + line);
        output.add(line);
      }
      assertTrue(guest.waitFor(60, TimeUnit.SECONDS), "run.sh ended after its output");
    } finally {
      guest.destroy(); // run.sh kills the guest on TERM
    }
    return new Result(guest.exitValue(), output);
  }
}
