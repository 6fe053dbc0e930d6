package io.corral.posix;

import io.corral.posix.nativeimpl.NativeProcFs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;

/**
 * {@link ProcFsContract} against the real {@code /proc}: {@code sh} starts a copy of
 * {@code sleep} whose file name is {@link #CHILD_COMM}. Needs no root, but is tagged with the
 * kernel tests.
 */
@Tag("root")
class NativeProcFsIT extends ProcFsContract {
  private final NativeProcFs proc = new NativeProcFs();

  @Override
  protected ProcFs procFs() {
    return proc;
  }

  @Override
  protected Tree startTree() {
    try {
      Path dir = Files.createTempDirectory("procfs-it");
      Path sleep = Files.copy(Path.of("/bin/sleep"), dir.resolve(CHILD_COMM));
      sleep.toFile().setExecutable(true);
      Process sh = new ProcessBuilder("/bin/sh", "-c", "\"$0\" 60 & wait", sleep.toString()).start();
      int child = awaitChild(sh);
      return new Tree() {
        public int parent() {
          return (int) sh.pid();
        }

        public int child() {
          return child;
        }

        public void close() {
          ProcessHandle.of(child).ifPresent(ProcessHandle::destroyForcibly);
          sh.destroyForcibly();
          try {
            sh.waitFor(10, TimeUnit.SECONDS);
            Files.delete(sleep);
            Files.delete(dir);
          } catch (InterruptedException | IOException e) {
            throw new IllegalStateException(e);
          }
        }
      };
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Polls (the JDK's own /proc reader, not ours) until sh has forked its child and it exec'd. */
  private static int awaitChild(Process sh) {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
    while (Instant.now().isBefore(deadline)) {
      var child = sh.toHandle().children()
          .filter(c -> c.info().command().map(cmd -> cmd.endsWith(CHILD_COMM)).orElse(false))
          .findFirst();
      if (child.isPresent()) {
        return (int) child.get().pid();
      }
      Thread.onSpinWait();
    }
    throw new AssertionError("sh did not start its child within 10 s");
  }
}
