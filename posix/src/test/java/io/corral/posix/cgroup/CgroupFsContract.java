package io.corral.posix.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.posix.Errno;
import io.corral.posix.LinuxException;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link CgroupFs} must show on a v1 {@code pids} hierarchy, run against the
 * fake ({@code FakeCgroupFsTest}) and {@code /sys/fs/cgroup/pids} ({@code NativeCgroupFsIT}).
 * Each test works in its own uniquely named cgroup and removes it afterwards.
 */
public abstract class CgroupFsContract {
  protected final String name = "corral-test-" + UUID.randomUUID().toString().substring(0, 8);

  /** A running process, killed and reaped on close. */
  public interface Sleeper extends AutoCloseable {
    int pid();

    @Override
    void close();
  }

  /** The {@code pids} hierarchy under test. */
  protected abstract CgroupFs pids();

  protected abstract Sleeper startSleeper();

  @AfterEach
  void removeTestCgroups() {
    for (String cgroup : List.of(name + "/child", name)) {
      if (pids().exists(cgroup)) {
        pids().procs(cgroup).forEach(pid -> pids().assign("", pid));
        pids().rmdir(cgroup);
      }
    }
  }

  @Test
  void mkdirAndRmdir() {
    assertFalse(pids().exists(name));
    pids().mkdir(name);
    assertTrue(pids().exists(name));
    assertEquals(Errno.EEXIST, assertThrows(LinuxException.class, () -> pids().mkdir(name)).errno());
    pids().mkdir(name + "/child");
    assertEquals(Errno.EBUSY, assertThrows(LinuxException.class, () -> pids().rmdir(name)).errno());
    pids().rmdir(name + "/child");
    pids().rmdir(name);
    assertFalse(pids().exists(name));
    assertEquals(Errno.ENOENT, assertThrows(LinuxException.class, () -> pids().rmdir(name)).errno());
  }

  @Test
  void mkdirUnderAMissingParentIsEnoent() {
    LinuxException e = assertThrows(LinuxException.class, () -> pids().mkdir(name + "/child"));
    assertEquals(Errno.ENOENT, e.errno());
  }

  @Test
  void writeAndReadBack() {
    pids().mkdir(name);
    assertEquals("max", pids().read(name, "pids.max"));
    pids().write(name, "pids.max", "5");
    assertEquals("5", pids().read(name, "pids.max"));
  }

  @Test
  void badValueNamesPathAndErrno() {
    pids().mkdir(name);
    LinuxException e = assertThrows(LinuxException.class,
        () -> pids().write(name, "pids.max", "bogus"));
    assertEquals(Errno.EINVAL, e.errno());
    assertEquals("write", e.syscall());
    assertEquals("write path='" + pids().root().resolve(name).resolve("pids.max")
        + "': EINVAL (Invalid argument)", e.getMessage());
  }

  @Test
  void missingControlFileIsEnoent() {
    pids().mkdir(name);
    assertEquals(Errno.ENOENT, assertThrows(LinuxException.class,
        () -> pids().write(name, "no.such.file", "1")).errno());
    assertEquals(Errno.ENOENT, assertThrows(LinuxException.class,
        () -> pids().read(name, "no.such.file")).errno());
  }

  @Test
  void processesMoveInAndKeepTheCgroupBusy() {
    pids().mkdir(name);
    try (Sleeper sleeper = startSleeper()) {
      pids().assign(name, sleeper.pid());
      assertEquals(List.of(sleeper.pid()), pids().procs(name));
      assertEquals(Errno.EBUSY, assertThrows(LinuxException.class, () -> pids().rmdir(name)).errno());
      pids().assign("", sleeper.pid());
      assertEquals(List.of(), pids().procs(name));
      assertTrue(pids().procs("").contains(sleeper.pid()));
    }
    pids().rmdir(name);
  }

  @Test
  void namesMayNotEscapeTheRoot() {
    assertThrows(IllegalArgumentException.class, () -> pids().mkdir("../x"));
    assertThrows(IllegalArgumentException.class, () -> pids().exists("/etc"));
  }
}
