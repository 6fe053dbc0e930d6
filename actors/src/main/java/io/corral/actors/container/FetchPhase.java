package io.corral.actors.container;

import io.corral.actors.ContainerError;
import io.corral.actors.Failures;
import io.corral.actors.container.ContainerActor.Command;
import io.corral.actors.container.IsolatorProtocol.Failed;
import io.corral.actors.container.IsolatorProtocol.LimitationReached;
import io.corral.actors.container.Lifecycle.AwaitingIsolators;
import io.corral.actors.container.Lifecycle.Exit;
import io.corral.actors.container.Lifecycle.Fetching;
import io.corral.actors.container.Lifecycle.Releasing;
import io.corral.actors.launch.LauncherActor;
import io.corral.actors.launch.LauncherActor.ProcessExited;
import io.corral.actors.launch.LauncherActor.ReleaseFailed;
import io.corral.actors.launch.LauncherActor.Released;
import io.corral.images.fetcher.FetchCancel;
import io.corral.images.fetcher.FetchException;
import io.corral.posix.launch.LaunchException;
import io.corral.proto.v1.agent.Call;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * FETCHING, as a function of its record: Mesos' fetcher runs after the isolators isolated the
 * init and before the command runs. A container whose command has URIs enters it from ISOLATING
 * once every isolator answered Isolate; the init waits on its sync pipe while the fetcher puts
 * the URIs into the sandbox on its own threads (a slow download holds no isolator's thread), bounded by the container's {@code disk}
 * resource when it has one. Then the init is released, and the release's answer makes the
 * container RUNNING, as from ISOLATING. A failed fetch fails the launch naming the URI and the
 * cause; a destroy meanwhile cancels the fetch (as Mesos kills its fetcher) and aborts the init.
 * A command without URIs goes from ISOLATING to RUNNING directly: its fetch would do nothing.
 * The launch timeout does not run while fetching (a download is bounded by the stall timeout);
 * it runs again from the release.
 *
 * <p>Threading: the container actor's own, never blocking.
 */
final class FetchPhase {
  private FetchPhase() {}

  /** The fetcher's answer: null when every URI was fetched. */
  private record Fetched(Throwable failure) implements Command {}

  /** Whether the container's command has URIs to fetch. */
  static boolean needed(ContainerServices s) {
    return s.container().launch().getCommand().getUrisCount() > 0;
  }

  /** Starts fetching for the isolated init {@code init}: FETCHING. */
  static Behavior<Command> fetch(ContainerServices s, Call.LaunchContainer resources, int init) {
    s.timers().cancel(LaunchPhases.LaunchTimedOut.INSTANCE);
    FetchCancel cancel = new FetchCancel();
    Call.LaunchContainer launch = s.container().launch();
    long limit = limit(launch);
    CompletableFuture<Void> done = s.settings().fetcher().fetchAsync(launch.getCommand(), s.container().sandbox(),
        limit, cancel);
    s.context().pipeToSelf(done, (ok, failure) -> new Fetched(failure));
    return Transitions.enter(s, new Fetching(resources, new AwaitingIsolators(init, 0), cancel));
  }

  static Behavior<Command> fetching(ContainerServices s, Fetching f) {
    return ContainerActor.common(s, f, BehaviorBuilder.<Command>create()
        .onMessage(Fetched.class, r -> onFetched(s, f, r))
        .onMessage(Released.class, r -> f.fork() instanceof Releasing rel
            ? LaunchPhases.launched(s, f.resources(), rel) : Behaviors.same())
        .onMessage(ReleaseFailed.class, x -> LaunchPhases.failLaunch(s, f, x.failure()))
        .onMessage(ProcessExited.class, e -> onExited(s, f, e))
        .onMessage(Failed.class, x -> LaunchPhases.failLaunch(s, f, x.error()))
        .onMessage(LimitationReached.class, l -> DestroyPhase.destroy(s, f, LaunchPhases.limitation(l.limitation()),
            Optional.of(new ContainerError.LimitationReached(l.limitation())), Optional.empty()))
        .onMessageEquals(LaunchPhases.LaunchTimedOut.INSTANCE, () -> LaunchPhases.failLaunch(s, f,
            new ContainerError.LaunchFailed("exec did not happen within " + s.settings().launchTimeout().toMillis()
                + "ms"))));
  }

  private static Behavior<Command> onFetched(ContainerServices s, Fetching f, Fetched fetched) {
    if (!(f.fork() instanceof AwaitingIsolators a)) {
      return Behaviors.same();
    }
    if (fetched.failure() != null) {
      Throwable cause = fetched.failure() instanceof CompletionException c && c.getCause() != null
          ? c.getCause() : fetched.failure();
      String message = cause instanceof FetchException ? cause.getMessage() : Failures.describe(cause);
      s.log().warn("Failed to fetch the URIs of container [{}]: {}", s.id(), message);
      return LaunchPhases.failLaunch(s, f, new ContainerError.LaunchFailed(message));
    }
    if (s.settings().launchTimeout() != null) {
      s.timers().startSingleTimer(LaunchPhases.LaunchTimedOut.INSTANCE, s.settings().launchTimeout());
    }
    s.launcher().tell(LauncherActor.Release.INSTANCE);
    return ContainerActor.behavior(s, new Fetching(f.resources(), new Releasing(a.init(), Optional.empty()),
        f.cancel()));
  }

  /** A released command may exit before the release's answer; before the release, the launch failed. */
  private static Behavior<Command> onExited(ContainerServices s, Fetching f, ProcessExited exit) {
    Exit exited = new Exit(exit.status());
    if (f.fork() instanceof Releasing r) {
      return ContainerActor.behavior(s, new Fetching(f.resources(), new Releasing(r.init(), Optional.of(exited)),
          f.cancel()));
    }
    String detail = LaunchException.exitedBeforeExec().getMessage();
    return DestroyPhase.destroy(s, f, LaunchPhases.launchFailedTermination(detail),
        Optional.of(new ContainerError.LaunchFailed(detail)), Optional.of(exited));
  }

  /** The bytes the fetch may write: the container's {@code disk} resource (MB), or no bound. */
  static long limit(Call.LaunchContainer launch) {
    Double disk = ContainerStats.scalar(launch, "disk");
    return disk == null ? Long.MAX_VALUE : (long) (disk * 1024 * 1024);
  }
}
