package io.corral.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.actors.ContainerError;
import io.corral.actors.Containerizer;
import io.corral.proto.v1.CommandInfo;
import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.ContainerTermination;
import io.corral.proto.v1.agent.Call;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link ForegroundRun} against a scripted containerizer: the reply to each call decides the exit status. */
class ForegroundRunTest {
  private static final ContainerID ID = ContainerID.newBuilder().setValue("c1").build();
  private static final Call.LaunchContainer LAUNCH = Call.LaunchContainer.newBuilder()
      .setContainerId(ID)
      .setCommand(CommandInfo.newBuilder().setShell(false).setValue("true").addArguments("true"))
      .build();

  private final List<String> calls = new CopyOnWriteArrayList<>();
  private ActorSystem<Containerizer.Command> system;

  @AfterEach
  void stop() {
    if (system != null) {
      system.terminate();
    }
  }

  /** A containerizer that answers Launch with {@code launched} and Wait with {@code waited}. */
  private Behavior<Containerizer.Command> scripted(Containerizer.LaunchReply launched, Containerizer.WaitReply waited) {
    return Behaviors.receiveMessage(command -> {
      calls.add(command.getClass().getSimpleName());
      if (command instanceof Containerizer.Launch l) {
        l.replyTo().tell(launched);
      } else if (command instanceof Containerizer.Wait w) {
        w.replyTo().tell(waited);
      } else if (command instanceof Containerizer.Remove r) {
        r.replyTo().tell(new Containerizer.Removed(r.id()));
      }
      return Behaviors.same();
    });
  }

  private int run(Containerizer.LaunchReply launched, Containerizer.WaitReply waited) {
    system = ActorSystem.create(scripted(launched, waited), "foreground-run-test");
    return new ForegroundRun(system, LAUNCH, null).run();
  }

  @Test
  void exitsWithTheCommandsStatusAndRemovesTheContainer() {
    int status = run(new Containerizer.Launched(ID),
        new Containerizer.Terminated(ID, ContainerTermination.newBuilder().setStatus(3 << 8).build()));
    assertEquals(3, status);
    assertEquals(List.of("Launch", "Wait", "Remove"), calls);
    assertTrue(system.getWhenTerminated().toCompletableFuture().isDone(), "the system is stopped");
  }

  @Test
  void aKilledCommandExitsWith128PlusTheSignal() {
    int status = run(new Containerizer.Launched(ID),
        new Containerizer.Terminated(ID, ContainerTermination.newBuilder().setStatus(9).build()));
    assertEquals(137, status);
  }

  @Test
  void aFailedLaunchExits127AndStillRemoves() {
    int status = run(
        new Containerizer.Rejected(new ContainerError.LaunchFailed("exec 'nope': ENOENT (No such file or directory)")),
        null);
    assertEquals(ForegroundRun.LAUNCH_FAILED, status);
    assertEquals(List.of("Launch", "Remove"), calls);
  }

  @Test
  void anIdInUseIsALaunchFailureAndTheOtherContainerIsLeftAlone() {
    assertEquals(ForegroundRun.LAUNCH_FAILED, run(new Containerizer.AlreadyLaunched(ID), null));
    assertEquals(List.of("Launch"), calls, "no Remove of a container this run did not launch");
  }
}
