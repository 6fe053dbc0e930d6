package io.corral.images.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a host command for a fixture and fails with its output when it fails. */
public final class Commands {
  private Commands() {}

  /** Runs {@code command}, waits at most {@code seconds}, returns stdout+stderr; throws on failure. */
  public static String run(long seconds, List<String> command) throws IOException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("timed out: " + String.join(" ", command));
      }
      String text = new String(out, StandardCharsets.UTF_8);
      if (p.exitValue() != 0) {
        throw new IOException("'" + String.join(" ", command) + "' exited " + p.exitValue() + ": " + text);
      }
      return text;
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted: " + String.join(" ", command), e);
    }
  }

  public static String run(String... command) throws IOException {
    return run(120, List.of(command));
  }
}
