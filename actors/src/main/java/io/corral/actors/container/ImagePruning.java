package io.corral.actors.container;

import io.corral.actors.ContainerError;
import io.corral.actors.Containerizer;
import io.corral.actors.Failures;
import io.corral.images.Provisioner;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * PRUNE_IMAGES for the root actor: the provisioner's prune runs on the blocking dispatcher and
 * answers the asker itself; an agent without images has nothing to prune and says so at once.
 */
final class ImagePruning {
  private ImagePruning() {}

  /** Starts the prune for {@code request} and returns {@code same}: the root's behavior stays. */
  static <T> Behavior<T> prune(ActorContext<?> context, Provisioner provisioner, Containerizer.PruneImages request,
      Behavior<T> same) {
    if (provisioner == null) {
      request.replyTo().tell(new Containerizer.Pruned());
      return same;
    }
    Executor blocking = context.getSystem().dispatchers().lookup(
        DispatcherSelector.fromConfig(IsolatorActor.BLOCKING_DISPATCHER));
    CompletableFuture.runAsync(() -> {
      try {
        provisioner.prune(request.excluded());
        request.replyTo().tell(new Containerizer.Pruned());
      } catch (IOException | RuntimeException e) {
        request.replyTo().tell(new Containerizer.Rejected(
            new ContainerError.Internal("Failed to prune images: " + Failures.describe(e))));
      }
    }, blocking);
    return same;
  }
}
