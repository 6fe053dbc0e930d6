package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.actors.Containerizer;
import io.corral.actors.ContainerizerSettings;
import io.corral.it.support.Host;
import io.corral.proto.v1.CommandInfo;
import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.agent.Call;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedding example of the README, compiled and run: the region between the
 * {@code README-SNIPPET} markers is copied into the README verbatim, and
 * {@code io.corral.ops.DocumentationTest} fails when the two differ. It uses only the public
 * embedding API ({@link Containerizer}, {@link ContainerizerSettings}) and the Mesos messages,
 * in a plain {@link ActorSystem} such as a scheduler has; {@link EmbeddingExampleIT} walks
 * through every command with probes.
 */
@Tag("root")
class ReadmeExampleIT {
  @TempDir Path dir;

  @Test
  void theReadmeSnippetLaunchesWaitsAndRemoves() throws Exception {
    assumeTrue(Host.isRoot(), "needs root: real namespaces");
    Path workDir = dir.resolve("work");
    Path runtimeDir = dir.resolve("runtime");
    // README-SNIPPET-BEGIN
    ContainerizerSettings settings = ContainerizerSettings.forHost(workDir, runtimeDir,
        "filesystem/posix,posix/cpu,posix/mem,namespaces/pid");
    ActorSystem<Containerizer.Command> system =
        ActorSystem.create(Containerizer.create(settings), "scheduler");
    Duration timeout = Duration.ofSeconds(30);
    ContainerID id = ContainerID.newBuilder().setValue("hello").build();
    Call.LaunchContainer request = Call.LaunchContainer.newBuilder().setContainerId(id)
        .setCommand(CommandInfo.newBuilder().setValue("echo hello; exit 3")).build();

    Containerizer.LaunchReply launched = AskPattern.ask(system,
        (ActorRef<Containerizer.LaunchReply> r) -> new Containerizer.Launch(request, null, r),
        timeout, system.scheduler()).toCompletableFuture().get();    // Launched(id): it runs
    Containerizer.WaitReply ended = AskPattern.ask(system,
        (ActorRef<Containerizer.WaitReply> r) -> new Containerizer.Wait(id, r),
        timeout, system.scheduler()).toCompletableFuture().get();
    // Terminated(id, termination): termination.getStatus() is 768, the wait status of exit 3
    String stdout = Files.readString(workDir.resolve("containers/hello/stdout")); // "hello\n"
    AskPattern.ask(system,
        (ActorRef<Containerizer.RemoveReply> r) -> new Containerizer.Remove(id, r),
        timeout, system.scheduler()).toCompletableFuture().get();    // sandbox deleted
    system.terminate();
    // README-SNIPPET-END
    system.getWhenTerminated().toCompletableFuture().get();
    assertEquals(new Containerizer.Launched(id), launched);
    Containerizer.Terminated terminated = (Containerizer.Terminated) ended;
    assertEquals(3 << 8, terminated.termination().getStatus());
    assertEquals("hello\n", stdout);
    assertFalse(Files.exists(workDir.resolve("containers/hello")), "sandbox deleted");
  }
}
