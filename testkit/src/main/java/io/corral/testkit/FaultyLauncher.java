package io.corral.testkit;

import io.corral.posix.launch.LaunchedContainer;
import io.corral.posix.launch.Launcher;
import io.corral.posix.launch.Stdio;
import io.corral.proto.v1.LaunchPlan;
import java.util.concurrent.CompletableFuture;

/**
 * A launcher with {@link Faults} in front of it: when a {@link Faults#dieBeforeExec} rule
 * strikes a container, its init is SIGKILLed at the moment it is released, after every isolator
 * has isolated it and before it could read the go signal and exec the command. The real
 * release then finds the init gone and fails with {@code corral-init exited before exec}, the
 * path a helper that crashes or is OOM-killed takes. Runs on the caller's thread (the blocking
 * dispatcher).
 */
final class FaultyLauncher implements Launcher {
  private final Launcher launcher;
  private final Faults faults;

  FaultyLauncher(Launcher launcher, Faults faults) {
    this.launcher = launcher;
    this.faults = faults;
  }

  @Override
  public LaunchedContainer fork(String containerId, LaunchPlan plan, Stdio stdio) {
    LaunchedContainer launched = launcher.fork(containerId, plan, stdio);
    return new LaunchedContainer() {
      @Override
      public int initPid() {
        return launched.initPid();
      }

      @Override
      public int helperPid() {
        return launched.helperPid();
      }

      @Override
      public void release() {
        if (faults.strike(Faults.Kind.DIE_BEFORE_EXEC, null, null, containerId) != null) {
          // Once kill(2) returns, SIGKILL is pending and the init runs no more user code: it
          // cannot act on the go byte the real release writes next.
          ProcessHandle.of(launched.initPid()).ifPresent(ProcessHandle::destroyForcibly);
        }
        launched.release();
      }

      @Override
      public void abort() {
        launched.abort();
      }

      @Override
      public void signal(int signal) {
        launched.signal(signal);
      }

      @Override
      public void kill() {
        launched.kill();
      }

      @Override
      public CompletableFuture<Integer> exited() {
        return launched.exited();
      }
    };
  }

  @Override
  public java.util.Optional<LaunchedContainer> recover(
      String containerId, LaunchPlan plan, int initPid, int helperPid, long initStartTicks) {
    return launcher.recover(containerId, plan, initPid, helperPid, initStartTicks);
  }

  @Override
  public void recovered(java.util.Set<String> adopted) {
    launcher.recovered(adopted);
  }

  @Override
  public void close() {
    launcher.close();
  }
}
