package io.corral.actors.container;

import io.corral.actors.Containerizer;
import io.corral.actors.ContainerizerSettings;
import io.corral.actors.Layout;
import io.corral.actors.recovery.Recovery;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * How a containerizer starts: the embedding's actor, which only forwards to the real root (a
 * {@link ContainerizerActor} on {@code corral.actor-dispatcher}); with recovery on, the root
 * first runs {@link Recovery} on the blocking dispatcher and stashes every command until it is
 * done, then rebuilds the containers it found and serves.
 *
 * <p>Threading: the embedding's dispatcher for the forwarder, {@code corral.actor-dispatcher}
 * for the root.
 */
public final class ContainerizerStart {
  private ContainerizerStart() {}

  /** The blocking part of recovery finished (see {@link Recovery}). */
  record Recovered(List<Recovery.Found> found, Throwable error) implements Containerizer.Command {}

  /** Commands that arrive while recovering; beyond this they are refused. */
  static final int RECOVERY_STASH_CAPACITY = 10_000;

  /**
   * {@code mode} null: no recovery, ready at once; else recover first (commands are stashed
   * until then), then complete {@code recovered} with the number of containers found.
   */
  public static Behavior<Containerizer.Command> create(ContainerizerSettings settings,
      Containerizer.RecoverMode mode, CompletableFuture<Integer> recovered) {
    return Behaviors.setup(context -> {
      ActorRef<Containerizer.Command> root = context.spawn(
          root(settings, mode, recovered), "containerizer", DispatcherSelector.fromConfig(ContainerizerActor.DISPATCHER));
      context.watch(root);
      // The embedding's actor only forwards (one hop per request); a root that stops (it
      // failed) stops it too, as when the root was the embedding's actor itself.
      return Behaviors.receive(Containerizer.Command.class)
          .onMessage(Containerizer.Command.class, command -> {
            root.tell(command);
            return Behaviors.same();
          })
          .onSignal(org.apache.pekko.actor.typed.Terminated.class, t -> Behaviors.stopped())
          .build();
    });
  }

  private static Behavior<Containerizer.Command> root(ContainerizerSettings settings,
      Containerizer.RecoverMode mode, CompletableFuture<Integer> recovered) {
    if (mode == null) {
      return Behaviors.setup(context -> {
        recovered.complete(0);
        return new ContainerizerActor(context, settings, false);
      });
    }
    return Behaviors.withStash(RECOVERY_STASH_CAPACITY, stash -> Behaviors.setup(context -> {
      Layout paths = new Layout(settings.workDir(), settings.runtimeDir());
      Recovery recovery = new Recovery(settings, paths, mode == Containerizer.RecoverMode.CLEANUP);
      context.getLog().info("Recovering containers from '{}' and '{}' (--recover={})",
          paths.runtimes(), paths.sandboxes(), mode.flag());
      context.pipeToSelf(CompletableFuture.supplyAsync(recovery::run, context.getSystem().dispatchers()
          .lookup(DispatcherSelector.fromConfig(IsolatorActor.BLOCKING_DISPATCHER))), Recovered::new);
      return Behaviors.receive(Containerizer.Command.class)
          .onMessage(Recovered.class, done -> {
            ContainerizerActor root = new ContainerizerActor(context, settings, true);
            int count = root.onRecovered(done);
            recovered.complete(count);
            return stash.unstashAll(root);
          })
          .onMessage(Containerizer.Command.class, command -> {
            if (stash.isFull()) {
              context.getLog().warn("Dropping [{}] while recovering: too many waiting", command);
            } else {
              stash.stash(command);
            }
            return Behaviors.same();
          })
          .build();
    }));
  }

}
