package io.corral.posix.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.posix.Errno;
import io.corral.posix.LinuxException;
import io.corral.posix.nativeimpl.NativeCgroupKernel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link NativeCgroupKernel} on the real kernel: a v1 mount, an exclusive flock on a cgroup
 * directory, and the OOM eventfd of a memory cgroup that a real process drives into its limit.
 */
@Tag("root")
class NativeCgroupKernelIT {
  private static final Path MEMORY = Path.of("/sys/fs/cgroup/memory");
  private final CgroupKernel kernel = NativeCgroupKernel.create();

  @BeforeAll
  static void needsRoot() {
    assumeTrue("root".equals(System.getProperty("user.name")), "needs root: mounts and cgroups");
    assumeTrue(Files.isRegularFile(MEMORY.resolve("cgroup.event_control")),
        "needs the cgroup v1 memory hierarchy at " + MEMORY);
  }

  @Test
  void mountsAV1HierarchyIntoANewDirectory(@TempDir Path temp) throws Exception {
    Path target = temp.resolve("pids");
    kernel.mountV1(target, "pids");
    try {
      assertTrue(Files.isRegularFile(target.resolve("cgroup.procs")), "a cgroup hierarchy");
      assertTrue(Files.readString(Path.of("/proc/self/mounts")).contains(" " + target
          + " cgroup "), "mounted as cgroup");
    } finally {
      assertEquals(0, new ProcessBuilder("umount", target.toString()).start().waitFor());
    }
  }

  @Test
  void aMountOfAnUnknownSubsystemNamesTheCall(@TempDir Path temp) {
    LinuxException e = assertThrows(LinuxException.class,
        () -> kernel.mountV1(temp.resolve("x"), "no_such_subsystem"));
    assertEquals("mount", e.syscall());
  }

  @Test
  void aDirectoryLockIsExclusiveUntilClosed(@TempDir Path temp) {
    CgroupKernel.Lock first = kernel.lockDirectory(temp);
    LinuxException e = assertThrows(LinuxException.class, () -> kernel.lockDirectory(temp));
    assertEquals(Errno.EAGAIN, e.errno());
    first.close();
    kernel.lockDirectory(temp).close();
  }

  @Test
  void theOomEventfdFiresWhenTheCgroupHitsItsLimit() throws Exception {
    String name = "corral-it-oom-" + UUID.randomUUID();
    CgroupFs memory = new NativeCgroupFs(MEMORY);
    memory.mkdir(name);
    Process hog = null;
    try {
      memory.write(name, "memory.limit_in_bytes", Long.toString(16L << 20));
      memory.write(name, "memory.oom_control", "1");
      CgroupKernel.OomSubscription oom = kernel.subscribeOom(MEMORY.resolve(name));
      CompletableFuture<Void> fired = oom.fired().toCompletableFuture();
      assertFalse(fired.isDone());
      // NOTE: with the OOM killer disabled, cgroup v1 signals the OOM only when the charge that
      // fails comes from a user-mode page fault (the task then waits at the end of the fault);
      // one from inside a system call (read(2) into an untouched buffer, as `head | tail` does)
      // just fails that call, and nothing fires: this test was flaky with such a hog. awk
      // doubling a string touches every new page from user space.
      hog = new ProcessBuilder("sh", "-c", "echo $$ > " + MEMORY.resolve(name).resolve("cgroup.procs")
          + " && exec awk 'BEGIN { s = \"x\"; while (1) s = s s }'").start();
      fired.get(30, TimeUnit.SECONDS);
      assertTrue(memory.read(name, "memory.oom_control").contains("under_oom 1"));
      oom.close();
    } finally {
      for (int pid : memory.procs(name)) {
        new ProcessBuilder("kill", "-9", Integer.toString(pid)).start().waitFor();
      }
      if (hog != null) {
        hog.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (true) {
        try {
          memory.rmdir(name);
          break;
        } catch (LinuxException busy) {
          if (System.nanoTime() > deadline) {
            throw busy;
          }
          java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
        }
      }
    }
  }

  @Test
  void aClosedSubscriptionNeverFires() throws Exception {
    String name = "corral-it-oom-" + UUID.randomUUID();
    CgroupFs memory = new NativeCgroupFs(MEMORY);
    memory.mkdir(name);
    CgroupKernel.OomSubscription oom = kernel.subscribeOom(MEMORY.resolve(name));
    oom.close();
    memory.rmdir(name); // the kernel signals the eventfd of a removed cgroup
    CgroupKernel.OomSubscription other = kernel.subscribeOom(MEMORY);
    other.close();
    assertFalse(oom.fired().toCompletableFuture().isDone());
  }
}
