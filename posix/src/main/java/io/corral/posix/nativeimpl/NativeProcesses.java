package io.corral.posix.nativeimpl;

import io.corral.posix.Processes;

/** TEMP placeholder so NativeLinux compiles on branch 'isolators'; the 'launch' branch owns it. */
public final class NativeProcesses {
  private NativeProcesses() {}

  public static Processes create() {
    return new Processes() {
      @Override public int getpid() { return (int) ProcessHandle.current().pid(); }
      @Override public int geteuid() { throw new UnsupportedOperationException("TEMP"); }
      @Override public void kill(int pid, int signal) { throw new UnsupportedOperationException("TEMP"); }
      @Override public int pidfdOpen(int pid) { throw new UnsupportedOperationException("TEMP"); }
      @Override public void pidfdSendSignal(int pidfd, int signal) { throw new UnsupportedOperationException("TEMP"); }
      @Override public void close(int fd) { throw new UnsupportedOperationException("TEMP"); }
    };
  }
}
