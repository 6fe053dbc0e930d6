package io.corral.http;

import io.corral.actors.Containerizer;
import io.corral.actors.Containerizer.Command;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * A stand-in for the containerizer: records every command it receives and answers each with the
 * canned reply its test configured. A reply function that returns null leaves the command
 * unanswered, so a test can answer later through the recorded {@code replyTo}, or never (to
 * provoke an ask timeout). Fields are volatile: tests set them, the actor reads them.
 */
final class FakeContainerizer {
  final LinkedBlockingQueue<Command> received = new LinkedBlockingQueue<>();

  volatile Function<Containerizer.Launch, Containerizer.LaunchReply> onLaunch =
      m -> new Containerizer.Launched(m.request().getContainerId());
  volatile Function<Containerizer.Wait, Containerizer.WaitReply> onWait = m -> null;
  volatile Function<Containerizer.Kill, Containerizer.KillReply> onKill =
      m -> new Containerizer.Killed(m.id());
  volatile Function<Containerizer.Remove, Containerizer.RemoveReply> onRemove =
      m -> new Containerizer.Removed(m.id());
  volatile Function<Containerizer.Usage, Containerizer.UsageReply> onUsage = m -> null;
  volatile List<Containerizer.ContainerSnapshot> containers = List.of();
  volatile boolean answerGetContainers = true;

  /** Back to the defaults: launches succeed, kills and removes succeed, waits stay open. */
  void reset() {
    received.clear();
    onLaunch = m -> new Containerizer.Launched(m.request().getContainerId());
    onWait = m -> null;
    onKill = m -> new Containerizer.Killed(m.id());
    onRemove = m -> new Containerizer.Removed(m.id());
    onUsage = m -> null;
    containers = List.of();
    answerGetContainers = true;
  }

  Behavior<Command> behavior() {
    return Behaviors.receive(Command.class)
        .onMessage(Containerizer.Launch.class, m -> reply(m, onLaunch.apply(m), m.replyTo()))
        .onMessage(Containerizer.Wait.class, m -> reply(m, onWait.apply(m), m.replyTo()))
        .onMessage(Containerizer.Kill.class, m -> reply(m, onKill.apply(m), m.replyTo()))
        .onMessage(Containerizer.Remove.class, m -> reply(m, onRemove.apply(m), m.replyTo()))
        .onMessage(Containerizer.Usage.class, m -> reply(m, onUsage.apply(m), m.replyTo()))
        .onMessage(Containerizer.PruneImages.class, m -> reply(m, new Containerizer.Pruned(), m.replyTo()))
        .onMessage(Containerizer.GetContainers.class, m -> reply(m,
            answerGetContainers ? new Containerizer.Containers(containers) : null, m.replyTo()))
        .build();
  }

  /** The next command received, which must be of {@code type}, within {@code timeout}. */
  <T extends Command> T next(Class<T> type, Duration timeout) throws InterruptedException {
    Command command = received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (command == null) {
      throw new AssertionError("no command received within " + timeout);
    }
    if (!type.isInstance(command)) {
      throw new AssertionError("expected " + type.getSimpleName() + " but received " + command);
    }
    return type.cast(command);
  }

  private <R> Behavior<Command> reply(
      Command m, R reply, org.apache.pekko.actor.typed.ActorRef<? super R> replyTo) {
    received.add(m);
    if (reply != null) {
      replyTo.tell(reply);
    }
    return Behaviors.same();
  }
}
