package io.corral.actors.container;

import io.corral.actors.container.IsolatorProtocol.Reply;
import io.corral.actors.container.IsolatorProtocol.StatusReported;
import io.corral.actors.container.IsolatorProtocol.UsageSampled;
import io.corral.proto.v1.ContainerStatus;
import io.corral.proto.v1.ResourceStatistics;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * A short-lived child of a {@link ContainerActor} that asks every isolator for its usage and
 * status at once, merges the answers in isolator order (protobuf {@code mergeFrom}: a later
 * isolator's scalar wins, repeated fields append, as Mesos merges them) and hands the result
 * back as {@link ContainerActor.Collected}, then stops. Failed isolators are skipped, and so
 * are those that have not answered when {@code timeout} passes.
 *
 * <p>Threading: runs on {@code corral.actor-dispatcher} and never blocks; the isolators' calls run on
 * the blocking dispatcher inside their {@link IsolatorActor}s.
 */
final class UsageCollector {
  private UsageCollector() {}

  interface Msg {}

  private record Got(Reply reply) implements Msg {}

  private enum Timeout implements Msg { INSTANCE }

  static Behavior<Msg> create(
      List<ActorRef<IsolatorProtocol.Command>> isolators,
      List<String> names,
      Duration timeout,
      ContainerActor.Command request,
      ActorRef<ContainerActor.Command> container) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      ActorRef<Reply> adapter = context.messageAdapter(Reply.class, Got::new);
      for (ActorRef<IsolatorProtocol.Command> isolator : isolators) {
        isolator.tell(new IsolatorProtocol.Usage(adapter));
        isolator.tell(new IsolatorProtocol.Status(adapter));
      }
      ResourceStatistics[] usages = new ResourceStatistics[names.size()];
      ContainerStatus[] statuses = new ContainerStatus[names.size()];
      int[] pending = {2 * names.size()};
      Runnable finish = () -> {
        ResourceStatistics.Builder statistics = ResourceStatistics.newBuilder();
        ContainerStatus.Builder status = ContainerStatus.newBuilder();
        for (int i = 0; i < names.size(); i++) {
          if (usages[i] != null) {
            statistics.mergeFrom(usages[i]);
          }
          if (statuses[i] != null) {
            status.mergeFrom(statuses[i]);
          }
        }
        container.tell(new ContainerActor.Collected(request, statistics.buildPartial(), status.buildPartial()));
      };
      if (pending[0] == 0) {
        finish.run();
        return Behaviors.stopped();
      }
      timers.startSingleTimer(Timeout.INSTANCE, timeout);
      return Behaviors.receive(Msg.class)
          .onMessage(Got.class, got -> {
            int index = names.indexOf(got.reply().isolator());
            if (index >= 0 && got.reply() instanceof UsageSampled u) {
              usages[index] = u.statistics();
            } else if (index >= 0 && got.reply() instanceof StatusReported s) {
              statuses[index] = s.status();
            } else {
              context.getLog().debug("Leaving out isolator reply [{}]", got.reply());
            }
            if (--pending[0] > 0) {
              return Behaviors.same();
            }
            finish.run();
            return Behaviors.stopped();
          })
          .onMessageEquals(Timeout.INSTANCE, () -> {
            context.getLog().warn("Isolators did not report usage within {}; merging what arrived", timeout);
            finish.run();
            return Behaviors.stopped();
          })
          .build();
    }));
  }
}
