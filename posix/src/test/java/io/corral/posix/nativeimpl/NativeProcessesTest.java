package io.corral.posix.nativeimpl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.posix.Errno;
import io.corral.posix.LinuxException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The jnr-ffi bindings against the real kernel; none of these need root. */
class NativeProcessesTest {
  private static NativeProcesses processes;

  @BeforeAll
  static void load() {
    processes = NativeProcesses.create();
  }

  @Test
  void identity() {
    assertEquals(ProcessHandle.current().pid(), processes.getpid());
    assertTrue(processes.geteuid() >= 0);
  }

  @Test
  void killOfAMissingProcessThrowsEsrch() {
    LinuxException e = assertThrows(LinuxException.class, () -> processes.kill(Integer.MAX_VALUE, 0));
    assertEquals("kill", e.syscall());
    assertEquals(Errno.ESRCH, e.errno());
    assertEquals("kill pid=2147483647 signal=0: ESRCH (No such process)", e.getMessage());
  }

  @Test
  void pidfdSignalsTheProcessAndReportsItsEnd() throws Exception {
    Process sleep = new ProcessBuilder("sleep", "1000").start();
    int pidfd = processes.pidfdOpen((int) sleep.pid());
    try {
      processes.pidfdSendSignal(pidfd, 0);
      processes.pidfdSendSignal(pidfd, 9);
      assertTrue(sleep.waitFor(10, TimeUnit.SECONDS));
      assertEquals(128 + 9, sleep.exitValue());
      LinuxException e = assertThrows(LinuxException.class, () -> processes.pidfdSendSignal(pidfd, 0));
      assertEquals(Errno.ESRCH, e.errno());
    } finally {
      processes.close(pidfd);
    }
    LinuxException e = assertThrows(LinuxException.class, () -> processes.close(pidfd));
    assertEquals("close", e.syscall());
    assertEquals(Errno.EBADF, e.errno());
  }

  @Test
  void pidfdOpenOfAMissingProcessThrows() {
    LinuxException e = assertThrows(LinuxException.class, () -> processes.pidfdOpen(Integer.MAX_VALUE));
    assertEquals("pidfd_open", e.syscall());
    assertFalse(e.errno() == Errno.UNKNOWN);
  }

  @Test
  void pidfdSendSignalOnANonPidfdIsEbadf() {
    LinuxException e = assertThrows(LinuxException.class, () -> processes.pidfdSendSignal(-1, 0));
    assertEquals(Errno.EBADF, e.errno());
  }
}
