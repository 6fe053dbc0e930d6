package io.corral.isolators;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.posix.launch.CorralInit;
import io.corral.posix.launch.LaunchException;
import io.corral.posix.launch.LaunchedContainer;
import io.corral.posix.launch.PidNamespaceLauncher;
import io.corral.posix.launch.Stdio;
import io.corral.posix.nativeimpl.NativeProcFs;
import io.corral.posix.nativeimpl.NativeProcesses;
import io.corral.proto.v1.CommandInfo;
import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.ContainerInfo;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.ProvisionedRootfs;
import io.corral.proto.v1.agent.Call;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * Runs real containers the way the containerizer does, without actors: each isolator's
 * prepare, {@link LaunchPlans#merge} and {@link LaunchPlans#complete}, corral-init through the
 * {@link PidNamespaceLauncher}, isolate, release, wait, then cleanup in reverse order. Sandboxes
 * live under {@code <base>/containers/<id>} (keep {@code base} out of {@code /tmp} when a volume
 * is mounted onto {@code /tmp}). Test thread only.
 */
public final class RealLaunches {
  private static final AtomicInteger IDS = new AtomicInteger();

  /** How a launch ended: the wait status and output, or the launch failure. */
  public record Result(int status, String stdout, String stderr, Path sandbox,
      LaunchException failure) {
    /** The exit code when the command exited, else -1. */
    public int exitCode() {
      return (status & 0x7f) == 0 ? status >> 8 & 0xff : -1;
    }
  }

  private final Path base;
  private final PidNamespaceLauncher launcher;

  public RealLaunches(Path base) {
    NativeProcesses processes = NativeProcesses.create();
    assumeTrue(processes.geteuid() == 0, "needs root: clones namespaces and mounts");
    this.base = base;
    this.launcher = new PidNamespaceLauncher(CorralInit.install(base.resolve("bin")), processes,
        new NativeProcFs());
  }

  /** Runs {@code sh -c script} in a container of these isolators; fails on a refusal. */
  public Result run(List<Isolator> isolators, ContainerInfo info, String script) throws Exception {
    return run(isolators, info, script, (launched, sandbox) -> {});
  }

  /**
   * {@link #run(List, ContainerInfo, String)}, calling {@code whileRunning} once the command
   * runs, with the container's sandbox (for example to destroy the container with
   * {@link LaunchedContainer#kill()}).
   */
  public Result run(List<Isolator> isolators, ContainerInfo info, String script,
      BiConsumer<LaunchedContainer, Path> whileRunning) throws Exception {
    return run(isolators, info, CommandInfo.newBuilder().setValue(script).build(), whileRunning);
  }

  /** Runs {@code command} (its user, shell and environment honoured) in a container. */
  public Result run(List<Isolator> isolators, ContainerInfo info, CommandInfo command,
      BiConsumer<LaunchedContainer, Path> whileRunning) throws Exception {
    return run(isolators, info, command, Optional.empty(), whileRunning);
  }

  /** {@link #run(List, ContainerInfo, CommandInfo, BiConsumer)} from a provisioned rootfs. */
  public Result run(List<Isolator> isolators, ContainerInfo info, CommandInfo command,
      Optional<ProvisionedRootfs> rootfs, BiConsumer<LaunchedContainer, Path> whileRunning)
      throws Exception {
    String id = "c" + IDS.incrementAndGet();
    Path sandbox = Files.createDirectories(base.resolve("containers").resolve(id));
    Path runtime = Files.createDirectories(base.resolve("runtime").resolve(id));
    ContainerID cid = ContainerID.newBuilder().setValue(id).build();
    Call.LaunchContainer.Builder launch = Call.LaunchContainer.newBuilder().setContainerId(cid)
        .setCommand(command);
    if (info != null) {
      launch.setContainer(info);
    }
    ContainerContext container = new ContainerContext(cid, launch.build(), sandbox, runtime,
        rootfs);
    List<Isolator> prepared = new ArrayList<>();
    try {
      List<Map.Entry<String, LaunchPlan>> fragments = new ArrayList<>();
      for (Isolator isolator : isolators) {
        prepared.add(isolator);
        fragments.add(Map.entry(isolator.name(), isolator.prepare(container)));
      }
      LaunchPlan plan = LaunchPlans.complete(LaunchPlans.merge(fragments), command).toBuilder()
          .setVersion(1).setStatusPath(runtime.resolve("status").toString()).build();
      int status;
      LaunchException failure = null;
      try {
        LaunchedContainer launched = launcher.fork(id, plan, Stdio.sandbox(sandbox));
        for (Isolator isolator : isolators) {
          isolator.isolate(container, launched.initPid());
        }
        try {
          launched.release();
          whileRunning.accept(launched, sandbox);
        } catch (LaunchException e) {
          failure = e;
        }
        status = launched.exited().get(30, TimeUnit.SECONDS);
      } catch (LaunchException e) {
        failure = e;
        status = -1;
      }
      return new Result(status, read(sandbox.resolve("stdout")), read(sandbox.resolve("stderr")),
          sandbox, failure);
    } finally {
      for (int i = prepared.size() - 1; i >= 0; i--) {
        prepared.get(i).cleanup(container);
      }
    }
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
