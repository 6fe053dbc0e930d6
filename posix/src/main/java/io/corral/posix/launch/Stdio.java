package io.corral.posix.launch;

import java.nio.file.Path;

/**
 * Where a container's standard streams go. A null stdin is {@code /dev/null}; a null stdout or
 * stderr is the agent's own (as {@code corral run} wants: the command talks to the terminal).
 * Files are opened for appending and created when missing.
 */
public record Stdio(Path stdin, Path stdout, Path stderr) {

  /** Mesos' sandbox layout: {@code <sandbox>/stdout} and {@code <sandbox>/stderr}. */
  public static Stdio sandbox(Path sandbox) {
    return new Stdio(null, sandbox.resolve("stdout"), sandbox.resolve("stderr"));
  }

  /** The agent's own stdout and stderr, and /dev/null for stdin. */
  public static Stdio inherit() {
    return new Stdio(null, null, null);
  }
}
