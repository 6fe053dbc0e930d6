package io.corral.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.corral.posix.testing.FakeLinux;

/** {@link ProcFsContract} against {@link FakeLinux}, plus the fake's fault scripting. */
class FakeProcFsTest extends ProcFsContract {
  private final FakeLinux fake = new FakeLinux();

  @Override
  protected ProcFs procFs() {
    return fake.linux().proc();
  }

  @Override
  protected Tree startTree() {
    fake.addProcess(200, 1, 200, 5, 1, 10);
    fake.addProcess(new ProcStat(201, 200, 200, 200, 'S', CHILD_COMM, 0, 0, 3));
    return new Tree() {
      public int parent() {
        return 200;
      }

      public int child() {
        return 201;
      }

      public void close() {
        fake.removeProcess(201);
        fake.removeProcess(200);
      }
    };
  }

  @org.junit.jupiter.api.Test
  void scriptedFaultFailsTheNextReadOnly() {
    fake.failNext("proc", Errno.EACCES);
    LinuxException e = assertThrows(LinuxException.class, () -> procFs().processes());
    assertEquals(Errno.EACCES, e.errno());
    assertEquals(0, procFs().processes().size());
  }
}
