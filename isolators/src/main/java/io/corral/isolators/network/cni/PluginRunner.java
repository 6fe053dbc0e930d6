package io.corral.isolators.network.cni;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs one CNI plugin: the CNI environment (and the agent's {@code PATH}, which plugins need for
 * {@code iptables}), the configuration on stdin, stdout (the result or a JSON error) and stderr
 * captured in files beside the container's state, at most {@code timeout}: then the plugin and
 * whatever it started are killed. Stateless; any thread; blocks the caller.
 */
final class PluginRunner {
  /** How much of a plugin's stderr a message carries. */
  private static final int STDERR_LIMIT = 2000;

  /** What the plugin did: its exit code, stdout and (the end of) its stderr. */
  record Outcome(int exitCode, String stdout, String stderr) {}

  /** The plugin did not finish in time and was killed. */
  static final class TimedOut extends Exception {
    private static final long serialVersionUID = 1L;

    TimedOut(String message) {
      super(message);
    }
  }

  private final Duration timeout;

  PluginRunner(Duration timeout) {
    this.timeout = timeout;
  }

  Duration timeout() {
    return timeout;
  }

  /** Runs {@code plugin} with exactly {@code environment} (plus PATH), {@code stdin}, in {@code scratch}. */
  Outcome run(Path plugin, Map<String, String> environment, byte[] stdin, Path scratch)
      throws IOException, TimedOut, InterruptedException {
    return run(List.of(plugin.toString()), environment, stdin, scratch);
  }

  /** Runs {@code argv} the same way. */
  Outcome run(List<String> argv, Map<String, String> environment, byte[] stdin, Path scratch)
      throws IOException, TimedOut, InterruptedException {
    Files.createDirectories(scratch);
    Path in = Files.createTempFile(scratch, ".stdin", "");
    Path out = Files.createTempFile(scratch, ".stdout", "");
    Path err = Files.createTempFile(scratch, ".stderr", "");
    try {
      Files.write(in, stdin);
      ProcessBuilder builder = new ProcessBuilder(argv)
          .redirectInput(in.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
      builder.environment().clear();
      builder.environment().put("PATH", System.getenv().getOrDefault("PATH",
          "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
      builder.environment().putAll(environment);
      Process process = builder.start();
      if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor();
        throw new TimedOut("did not finish within " + timeout.toMillis() + "ms and was killed");
      }
      String stderr = Files.readString(err, StandardCharsets.UTF_8).strip();
      if (stderr.length() > STDERR_LIMIT) {
        stderr = "..." + stderr.substring(stderr.length() - STDERR_LIMIT);
      }
      return new Outcome(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8).strip(), stderr);
    } finally {
      Files.deleteIfExists(in);
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
