package io.corral.testkit;

import io.corral.posix.launch.LaunchedContainer;
import io.corral.posix.launch.Launcher;
import io.corral.posix.launch.Stdio;
import io.corral.proto.v1.LaunchPlan;

/**
 * A launcher with {@link Faults} in front of it: when a {@link Faults#dieBeforeExec} rule
 * strikes, the container's init is SIGKILLed as soon as the real launcher has forked it, while
 * it still waits for the go signal. The containerizer then sees the init exit before exec and
 * fails the launch with {@code corral-init exited before exec}, the path a helper that crashes
 * or is OOM-killed takes. Runs on the caller's thread (the blocking dispatcher).
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
    if (faults.strike(Faults.Kind.DIE_BEFORE_EXEC, null, null, containerId) != null) {
      // The init is our grandchild and still blocked on its sync pipe: its pid is its own.
      ProcessHandle.of(launched.initPid()).ifPresent(ProcessHandle::destroyForcibly);
    }
    return launched;
  }
}
