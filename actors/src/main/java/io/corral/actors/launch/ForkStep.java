package io.corral.actors.launch;

import io.corral.actors.ContainerError;
import io.corral.actors.Failures;
import io.corral.actors.Layout;
import io.corral.actors.launch.LauncherActor.Fork;
import io.corral.actors.launch.LauncherActor.ForkCheckpoints;
import io.corral.actors.launch.LauncherActor.ForkDone;
import io.corral.actors.launch.LauncherActor.ForkFailed;
import io.corral.actors.launch.LauncherActor.ForkOutcome;
import io.corral.actors.launch.LauncherActor.Forked;
import io.corral.actors.launch.LauncherActor.PidsNotCheckpointed;
import io.corral.posix.launch.LaunchedContainer;
import io.corral.posix.launch.Launcher;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The one blocking step of a {@link LauncherActor.Fork}: checkpoint the config with the plan,
 * fork the helper, checkpoint the init's pids; every failure becomes one
 * {@link LauncherActor.ForkOutcome}. Runs on the blocking dispatcher.
 */
final class ForkStep {
  private ForkStep() {}

  static ForkDone run(Launcher launcher, String containerId, Fork fork) {
    Optional<ForkCheckpoints> checkpoints = fork.checkpoints();
    if (checkpoints.isPresent()) {
      Optional<ContainerError> failed = ownSandbox(fork.plan(), checkpoints.get().config().getSandbox())
          .or(() -> checkpoint(checkpoints.get().configFile(), checkpoints.get().config()));
      if (failed.isPresent()) {
        return new ForkDone(new ForkFailed(failed.get()), null);
      }
    }
    LaunchedContainer forked;
    try {
      forked = launcher.fork(containerId, fork.plan(), fork.stdio());
    } catch (RuntimeException e) {
      return new ForkDone(new ForkFailed(ContainerError.LaunchFailed.of(e)), null);
    }
    if (forked == null) {
      return new ForkDone(new ForkFailed(new ContainerError.LaunchFailed("the launcher returned no container")),
          null);
    }
    int init = forked.initPid();
    int helper = forked.helperPid();
    Optional<ContainerError> failed = checkpoints.flatMap(c -> checkpoint(c.pidsFile(),
        Checkpoints.pids(init, helper, Checkpoints.startTicks(c.linux(), init))));
    ForkOutcome outcome = failed.<ForkOutcome>map(e -> new PidsNotCheckpointed(init, helper, e))
        .orElse(new Forked(init, helper));
    return new ForkDone(outcome, forked);
  }

  /**
   * The sandbox becomes the command's user's (Mesos chowns it to the task's user), so that a
   * command that runs as another user than the agent's can write its sandbox; only the directory
   * itself, which holds nothing of the agent's yet.
   */
  private static Optional<ContainerError> ownSandbox(io.corral.proto.v1.LaunchPlan plan, String sandbox) {
    if (!plan.hasUid() || sandbox.isEmpty()) {
      return Optional.empty();
    }
    try {
      Path dir = Path.of(sandbox);
      java.nio.file.Files.setAttribute(dir, "unix:uid", plan.getUid(), java.nio.file.LinkOption.NOFOLLOW_LINKS);
      if (plan.hasGid()) {
        java.nio.file.Files.setAttribute(dir, "unix:gid", plan.getGid(), java.nio.file.LinkOption.NOFOLLOW_LINKS);
      }
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.of(new ContainerError.LaunchFailed("Failed to chown sandbox '" + sandbox + "' to uid "
          + plan.getUid() + ": " + Failures.describe(e)));
    }
  }

  private static Optional<ContainerError> checkpoint(Path file, com.google.protobuf.MessageLite record) {
    try {
      Checkpoints.write(file, record);
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.of(new ContainerError.Internal("Failed to checkpoint '" + file + "': " + Failures.describe(e)));
    }
  }
}
