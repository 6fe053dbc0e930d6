package io.corral.ops.bench;

import io.corral.actors.Containerizer;
import io.corral.actors.ContainerizerSettings;
import io.corral.isolators.IsolationFlag;
import io.corral.isolators.IsolatorRegistry;
import io.corral.isolators.cgroups.CgroupsConfig;
import io.corral.posix.Linux;
import io.corral.proto.v1.CommandInfo;
import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.Resource;
import io.corral.proto.v1.Value;
import io.corral.proto.v1.agent.Call;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * Corral embedded as a scheduler embeds it: {@code ContainerizerSettings.forHost} and
 * {@code Containerizer.create} as the guardian of an {@code ActorSystem} owned by this object,
 * driven by the typed commands with the ask pattern. Any thread may call; each call blocks
 * until its reply.
 */
final class EmbeddedTarget implements LaunchBench.Target {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private final String isolation;
  private final ActorSystem<Containerizer.Command> system;

  EmbeddedTarget(Path workDir, Path runtimeDir, String isolation) {
    this.isolation = isolation;
    // A cgroups root of its own: the agent of the HTTP variants, or one the operator runs, may
    // hold the default one (each root is locked by one containerizer).
    IsolatorRegistry.Options options = IsolatorRegistry.Options.defaults().withCgroups(
        CgroupsConfig.defaults().withRoot(CgroupsConfig.DEFAULT_HIERARCHY,
            "corral-bench-embedded-" + ProcessHandle.current().pid()));
    ContainerizerSettings settings = ContainerizerSettings.forHost(Linux.nativeDefault(), workDir,
        runtimeDir, IsolationFlag.parse(isolation), options, runtimeDir.resolve("bin"),
        ContainerizerSettings.DEFAULT_LAUNCH_TIMEOUT);
    this.system = ActorSystem.create(Containerizer.create(settings), "corral-bench");
  }

  @Override
  public void launch(String id, List<String> argv) {
    Call.LaunchContainer request = Call.LaunchContainer.newBuilder()
        .setContainerId(containerId(id))
        .setCommand(CommandInfo.newBuilder().setShell(false).setValue(argv.get(0)).addAllArguments(argv))
        .addResources(scalar("cpus", 0.1))
        .addResources(scalar("mem", 64))
        .build();
    Containerizer.LaunchReply reply = ask(to -> new Containerizer.Launch(request, null, to));
    if (!(reply instanceof Containerizer.Launched)) {
      throw new IllegalStateException("Failed to launch: " + reply);
    }
  }

  @Override
  public int await(String id) {
    Containerizer.WaitReply reply = ask(to -> new Containerizer.Wait(containerId(id), to));
    if (reply instanceof Containerizer.Terminated terminated) {
      return terminated.termination().getStatus();
    }
    throw new IllegalStateException("Failed to wait: " + reply);
  }

  @Override
  public void kill(String id, int signal) {
    Containerizer.KillReply reply = ask(to -> new Containerizer.Kill(containerId(id), signal, to));
    if (!(reply instanceof Containerizer.Killed)) {
      throw new IllegalStateException("Failed to kill: " + reply);
    }
  }

  @Override
  public void remove(String id) {
    Containerizer.RemoveReply reply = ask(to -> new Containerizer.Remove(containerId(id), to));
    if (!(reply instanceof Containerizer.Removed)) {
      throw new IllegalStateException("Failed to remove: " + reply);
    }
  }

  @Override
  public String describe() {
    return "embedded, --isolation=" + isolation;
  }

  @Override
  public void close() {
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      System.err.println("bench: the actor system did not terminate: " + e);
    }
  }

  private <R> R ask(Function<ActorRef<R>, Containerizer.Command> message) {
    try {
      return AskPattern.ask(system, message::apply, TIMEOUT, system.scheduler())
          .toCompletableFuture().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted", e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e.getCause().toString(), e.getCause());
    }
  }

  private static ContainerID containerId(String id) {
    return ContainerID.newBuilder().setValue(id).build();
  }

  private static Resource scalar(String name, double value) {
    return Resource.newBuilder().setName(name).setType(Value.Type.SCALAR)
        .setScalar(Value.Scalar.newBuilder().setValue(value)).build();
  }
}
