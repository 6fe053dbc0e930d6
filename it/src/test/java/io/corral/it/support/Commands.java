package io.corral.it.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a host command (curl, openssl, runuser, a {@code corral} client) to its end, with its
 * stdout and stderr read apart, for the ITs that check what real tools see.
 */
public final class Commands {
  private Commands() {}

  /** What a command did: its exit status and its output, stripped. */
  public record Result(int exit, String out, String err) {}

  /** Runs {@code command} in {@code cwd} with stdin from /dev/null; waits up to 60 s. */
  public static Result run(Path cwd, String... command) {
    try {
      Process p = new ProcessBuilder(command).directory(cwd.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
      CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p, true));
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("'" + String.join(" ", command) + "' did not end within 60 s");
      }
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8).strip(),
          new String(err.join(), StandardCharsets.UTF_8).strip());
    } catch (IOException e) {
      throw new AssertionError("Failed to run '" + String.join(" ", command) + "': " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** As above, in the current directory. */
  public static Result run(String... command) {
    return run(Path.of("."), command);
  }

  private static byte[] readAll(Process p, boolean stderr) {
    try {
      return (stderr ? p.getErrorStream() : p.getInputStream()).readAllBytes();
    } catch (IOException e) {
      return new byte[0];
    }
  }
}
