package io.corral.it.support;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Named pipes that hold a container or the agent at a point the test chooses, without timing:
 * a reader (a container's {@code read x < fifo}, or the agent writing a checkpoint through a
 * FIFO put at its path) blocks until the test {@link #release}s it. Runs on the test's thread.
 */
public final class Fifos {
  private Fifos() {}

  /** Makes a FIFO at {@code path} with {@code mkfifo}. */
  public static Path make(Path path) {
    try {
      int status = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start().waitFor();
      if (status != 0) {
        throw new IllegalStateException("Failed to make FIFO '" + path + "': mkfifo exited " + status);
      }
      return path;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A FIFO named {@code name}.fifo beside the agent's directories, for its containers to read. */
  public static Path beside(AgentProcess agent, String name) {
    return make(agent.workDir().getParent().resolve(name + ".fifo"));
  }

  /** Opens the FIFO for writing, writes a line (which lets the reader return) and closes it. */
  public static void release(Path fifo) throws IOException {
    try (OutputStream out = Files.newOutputStream(fifo)) {
      out.write('\n');
    }
  }
}
