package io.corral.posix.testing;

import io.corral.posix.ProcFs;
import io.corral.posix.ProcStat;
import java.util.List;
import java.util.Optional;

/**
 * {@link ProcFs} over {@link FakeLinux}'s process table; reads can be failed with
 * {@code failNext("proc", errno)}. Thread-safe through the FakeLinux lock.
 */
public final class FakeProcFs implements ProcFs {
  private final FakeLinux kernel;

  FakeProcFs(FakeLinux kernel) {
    this.kernel = kernel;
  }

  @Override
  public List<ProcStat> processes() {
    synchronized (kernel) {
      kernel.check("proc", null, "path='/proc'");
      return List.copyOf(kernel.table().values());
    }
  }

  @Override
  public Optional<ProcStat> stat(int pid) {
    synchronized (kernel) {
      kernel.check("proc", null, "path='/proc/" + pid + "/stat'");
      return kernel.process(pid);
    }
  }

  /** The files {@link FakeLinux#openFiles(int, String...)} gave the process; none by default. */
  @Override
  public List<String> openFiles(int pid) {
    synchronized (kernel) {
      kernel.check("proc", null, "path='/proc/" + pid + "/fd'");
      return kernel.process(pid).isEmpty() ? List.of() : kernel.openFiles(pid);
    }
  }

  @Override
  public long clockTicksPerSecond() {
    return kernel.clockTicks();
  }

  @Override
  public long pageSize() {
    return kernel.pageSize();
  }
}
