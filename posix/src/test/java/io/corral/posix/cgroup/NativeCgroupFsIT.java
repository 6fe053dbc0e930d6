package io.corral.posix.cgroup;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/** {@link CgroupFsContract} against the real v1 hierarchy at {@code /sys/fs/cgroup/pids}. */
@Tag("root")
class NativeCgroupFsIT extends CgroupFsContract {
  private static final Path ROOT = Path.of("/sys/fs/cgroup/pids");
  private final CgroupFs pids = new NativeCgroupFs(ROOT);

  @BeforeAll
  static void needsRootAndPidsHierarchy() {
    assumeTrue("root".equals(System.getProperty("user.name")), "needs root: writes cgroups");
    assumeTrue(Files.isRegularFile(ROOT.resolve("cgroup.procs")),
        "needs the cgroup v1 pids hierarchy at " + ROOT);
  }

  @Override
  protected CgroupFs pids() {
    return pids;
  }

  @Override
  protected Sleeper startSleeper() {
    try {
      Process sleep = new ProcessBuilder("sleep", "60").start();
      return new Sleeper() {
        public int pid() {
          return (int) sleep.pid();
        }

        public void close() {
          sleep.destroyForcibly();
          try {
            if (!sleep.waitFor(10, TimeUnit.SECONDS)) {
              throw new IllegalStateException("sleep survived SIGKILL for 10 s");
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
          }
        }
      };
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
