package io.corral.actors.container;

import io.corral.actors.ContainerError;
import io.corral.actors.Failures;
import io.corral.actors.container.ContainerActor.Command;
import io.corral.actors.container.Lifecycle.Provisioning;
import io.corral.proto.v1.ProvisionedRootfs;
import io.corral.proto.v1.agent.Call;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;

/**
 * PROVISIONING, as a function of its record: entered by a container launched from an image once
 * its directories exist; the provisioner pulls the image (if it must) and makes the container's
 * root filesystem off the actor, then the isolators prepare with it. A failure fails the launch
 * naming the image; a destroy meanwhile cleans up the provisioner alone (the first isolator, see
 * {@code ContainerizerSettings#withProvisioner}), which removes whatever the provisioning made,
 * also if it is still in flight.
 *
 * <p>Threading: the container actor's own, never blocking.
 */
final class ProvisionPhase {
  /** How many isolators a destroy during PROVISIONING cleans up: the provisioner's own. */
  static final int CLEANUPS = 1;

  private ProvisionPhase() {}

  /** The provisioner's answer: the root filesystem, or why there is none. */
  private record Provisioned(ProvisionedRootfs rootfs, Throwable failure) implements Command {}

  /** Whether {@code launch} names an image (validated: the agent has a provisioner then). */
  static boolean needed(Call.LaunchContainer launch) {
    return launch.getContainer().getMesos().hasImage();
  }

  static Behavior<Command> provisioning(ContainerServices s, Provisioning p) {
    return ContainerActor.common(s, p, BehaviorBuilder.<Command>create()
        .onMessage(LaunchPhases.DirsCreated.class, d -> d.error().isPresent()
            ? LaunchPhases.failLaunch(s, p, d.error().get()) : provision(s, p))
        .onMessage(Provisioned.class, r -> r.failure() == null
            ? LaunchPhases.prepare(s.withContainer(s.container().withRootfs(r.rootfs())), p.resources())
            : LaunchPhases.failLaunch(s, p, new ContainerError.LaunchFailed(Failures.describe(r.failure())))));
  }

  private static Behavior<Command> provision(ContainerServices s, Provisioning p) {
    CompletionStage<ProvisionedRootfs> made;
    try {
      made = s.settings().provisioner().provision(s.containerId(), s.container().launch().getContainer()
          .getMesos().getImage());
    } catch (RuntimeException e) {
      return LaunchPhases.failLaunch(s, p, new ContainerError.LaunchFailed(Failures.describe(e)));
    }
    s.context().pipeToSelf(made, Provisioned::new);
    return ContainerActor.behavior(s, p);
  }
}
