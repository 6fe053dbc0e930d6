package io.corral.posix.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.posix.Errno;
import io.corral.posix.LinuxException;
import io.corral.posix.Processes;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The fake process verbs: effects on the table, the call log and scripted errno. */
class FakeProcessesTest {
  private final FakeLinux fake = new FakeLinux().addProcess(10, 1, 10, 0, 0, 0);
  private final Processes processes = fake.linux().processes();

  @Test
  void killEndsTheProcessAndIsRecorded() {
    processes.kill(10, 0);
    assertTrue(fake.hasProcess(10));
    processes.kill(10, 9);
    assertFalse(fake.hasProcess(10));
    assertEquals(Errno.ESRCH, assertThrows(LinuxException.class, () -> processes.kill(10, 9)).errno());
    assertEquals(List.of("kill pid=10 signal=0", "kill pid=10 signal=9", "kill pid=10 signal=9"),
        fake.calls());
  }

  @Test
  void failNextScriptsOneErrno() {
    fake.failNext("kill", Errno.EPERM);
    LinuxException e = assertThrows(LinuxException.class, () -> processes.kill(10, 15));
    assertEquals("kill pid=10 signal=15: EPERM (Operation not permitted)", e.getMessage());
    assertTrue(fake.hasProcess(10));
    processes.kill(10, 15);
    assertFalse(fake.hasProcess(10));
  }

  @Test
  void pidfdsNameTheirProcess() {
    int fd = processes.pidfdOpen(10);
    processes.pidfdSendSignal(fd, 9);
    assertFalse(fake.hasProcess(10));
    assertEquals(Errno.ESRCH,
        assertThrows(LinuxException.class, () -> processes.pidfdSendSignal(fd, 9)).errno());
    processes.close(fd);
    assertEquals(Errno.EBADF, assertThrows(LinuxException.class, () -> processes.close(fd)).errno());
  }
}
