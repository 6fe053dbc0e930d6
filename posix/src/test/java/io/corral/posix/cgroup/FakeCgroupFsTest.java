package io.corral.posix.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.corral.posix.Errno;
import io.corral.posix.LinuxException;
import io.corral.posix.testing.FakeLinux;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link CgroupFsContract} against {@link FakeLinux}, plus its call log and faults. */
class FakeCgroupFsTest extends CgroupFsContract {
  private static final Path ROOT = Path.of("/sys/fs/cgroup/pids");
  private final FakeLinux fake = new FakeLinux();
  private int nextPid = 500;

  @Override
  protected CgroupFs pids() {
    return fake.linux().cgroups().at(ROOT);
  }

  @Override
  protected Sleeper startSleeper() {
    int pid = nextPid++;
    fake.addProcess(pid, 1, pid, 0, 0, 1);
    return new Sleeper() {
      public int pid() {
        return pid;
      }

      public void close() {
        fake.removeProcess(pid);
      }
    };
  }

  @Test
  void callsAreRecordedInOrder() {
    pids().mkdir(name);
    pids().write(name, "pids.max", "7");
    pids().rmdir(name);
    assertEquals(List.of(
        "mkdir path='/sys/fs/cgroup/pids/" + name + "'",
        "write path='/sys/fs/cgroup/pids/" + name + "/pids.max' value='7'",
        "rmdir path='/sys/fs/cgroup/pids/" + name + "'"), fake.calls());
  }

  @Test
  void failOnAPathFailsEveryCallOnItUntilCleared() {
    pids().mkdir(name);
    fake.failOn(ROOT.resolve(name), Errno.EBUSY);
    for (int i = 0; i < 2; i++) {
      LinuxException e = assertThrows(LinuxException.class, () -> pids().rmdir(name));
      assertEquals("rmdir path='/sys/fs/cgroup/pids/" + name + "': EBUSY (Device or resource busy)",
          e.getMessage());
    }
    fake.clearFaults();
    pids().rmdir(name);
  }

  @Test
  void failNextFailsOnce() {
    fake.failNext("mkdir", Errno.EACCES);
    assertEquals(Errno.EACCES, assertThrows(LinuxException.class, () -> pids().mkdir(name)).errno());
    pids().mkdir(name);
  }

  @Test
  void assigningAnUnknownPidIsEsrch() {
    pids().mkdir(name);
    assertEquals(Errno.ESRCH, assertThrows(LinuxException.class,
        () -> pids().assign(name, 99999)).errno());
  }

  @Test
  void extraControlFilesCanBeDeclared() {
    fake.cgroupFile(ROOT, "pids.events", "max 0");
    pids().mkdir(name);
    assertEquals("max 0", pids().read(name, "pids.events"));
  }
}
