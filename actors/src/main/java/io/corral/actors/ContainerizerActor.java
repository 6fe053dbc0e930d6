package io.corral.actors;

import org.apache.pekko.actor.typed.Behavior;

/** Placeholder until the containerizer actor lands. */
final class ContainerizerActor {
  private ContainerizerActor() {}

  static Behavior<Containerizer.Command> create(ContainerizerSettings settings) {
    throw new UnsupportedOperationException("not yet");
  }
}
