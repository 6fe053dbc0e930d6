package io.corral.actors.container;

import io.corral.actors.ContainerState;
import io.corral.actors.container.ContainerActor.Command;
import io.corral.actors.metrics.MetricsRecorder;
import org.apache.pekko.actor.typed.Behavior;

/**
 * The transition log of one container: it logs every change of state with the time spent in
 * the state left, counts it in the metrics, and tells the root the new snapshot. Owned by the
 * container actor and used on its thread only.
 */
final class Transitions {
  private final long created = System.nanoTime();
  private ContainerState state = ContainerState.PROVISIONING;
  private long since = created;

  /** Enters {@code next}: logs and reports a change of state, then behaves as {@code next} says. */
  static Behavior<Command> enter(ContainerServices s, Lifecycle next) {
    s.transitions().record(s, next);
    return ContainerActor.behavior(s, next);
  }

  private void record(ContainerServices s, Lifecycle next) {
    ContainerState to = next.state();
    if (to == state) {
      return;
    }
    long now = System.nanoTime();
    s.log().info("Transitioning container [{}] from {} to {} after {}ms", s.id(), state, to, (now - since) / 1_000_000);
    MetricsRecorder.of(s.settings().metrics()).transitioned(state, to);
    state = to;
    since = now;
    s.root().tell(new ContainerizerActor.SnapshotChanged(s.snapshot(next, null, null)));
  }

  /** Nanoseconds since the container's actor started (a launch's latency). */
  long age() {
    return System.nanoTime() - created;
  }
}
