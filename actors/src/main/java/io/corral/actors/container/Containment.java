package io.corral.actors.container;

import io.corral.actors.Failures;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.BehaviorInterceptor;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Contains a bug in a {@link ContainerActor}'s own message handling: instead of letting the
 * exception stop the actor (and lose the container, its waiters and its cleanup), it logs it
 * and sends the actor {@link ContainerActor.Crashed}, which destroys the container through the
 * ordinary path. The actor keeps its current behavior.
 *
 * <p>Threading: runs inside the container actor, on its thread.
 */
final class Containment extends BehaviorInterceptor<ContainerActor.Command, ContainerActor.Command> {

  Containment() {
    super(ContainerActor.Command.class);
  }

  @Override
  public Behavior<ContainerActor.Command> aroundReceive(
      TypedActorContext<ContainerActor.Command> context,
      ContainerActor.Command message,
      ReceiveTarget<ContainerActor.Command> target) {
    try {
      return target.apply(context, message);
    } catch (RuntimeException e) {
      context.asJava().getLog().error("Bug while handling [{}]; destroying the container", message, e);
      context.asJava().getSelf().tell(new ContainerActor.Crashed(Failures.describe(e)));
      return Behaviors.same();
    }
  }
}
