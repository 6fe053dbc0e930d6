package io.corral.ops;

import io.corral.actors.Containerizer;
import io.corral.posix.launch.Stdio;
import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.ContainerTermination;
import io.corral.proto.v1.agent.Call;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One foreground container of {@code corral run}: LAUNCH with the terminal as stdout and
 * stderr, WAIT, REMOVE, and the exit status of the command. A JVM shutdown hook (SIGINT, SIGTERM)
 * destroys the container instead: KILL with SIGKILL, WAIT for its termination and REMOVE, each
 * bounded by {@link #STOP_TIMEOUT}, then halts the JVM with status 130.
 *
 * <p>The main thread runs {@link #run}; the hook runs on its own thread. Whichever first claims
 * the ending ({@link #claimed}) does the removal; the other one waits for it or gets out of the way.
 */
final class ForegroundRun {
  private static final Logger LOG = LoggerFactory.getLogger(ForegroundRun.class);
  static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
  static final int LAUNCH_FAILED = 127;
  static final int INTERRUPTED = 130;
  private static final int SIGKILL = 9;

  private final ActorSystem<Containerizer.Command> system;
  private final Call.LaunchContainer request;
  private final ContainerID id;
  /** What {@code corral run} removes at exit (its temporary work dir and cgroups root). */
  private final Runnable cleanup;
  private final AtomicBoolean claimed = new AtomicBoolean();
  private final CountDownLatch finished = new CountDownLatch(1);
  private final AtomicInteger replies = new AtomicInteger();
  /** Set when the id was already in use: the container is someone else's, never touch it. */
  private volatile boolean foreign;
  /** The reply to LAUNCH, once sent: the hook waits for it when its KILL came too early. */
  private volatile CompletableFuture<Containerizer.LaunchReply> launching;

  ForegroundRun(ActorSystem<Containerizer.Command> system, Call.LaunchContainer request, Runnable cleanup) {
    this.system = system;
    this.request = request;
    this.id = request.getContainerId();
    this.cleanup = cleanup == null ? () -> { } : cleanup;
  }

  /** Installs the JVM shutdown hook that destroys the container on SIGINT or SIGTERM. */
  ForegroundRun destroyOnShutdown() {
    Runtime.getRuntime().addShutdownHook(new Thread(this::interrupted, "corral-run-shutdown"));
    return this;
  }

  /** Launches, waits and removes the container; returns the exit status for {@code corral run}. */
  int run() {
    int status = launchAndWait();
    if (!claimed.compareAndSet(false, true)) {
      return INTERRUPTED; // the hook is destroying the container and halts the JVM
    }
    try {
      if (!foreign) {
        remove();
      }
      Systems.stop(system, STOP_TIMEOUT);
      return status;
    } finally {
      finished.countDown();
    }
  }

  private int launchAndWait() {
    launching = ask(
        (ActorRef<Containerizer.LaunchReply> r) -> new Containerizer.Launch(request, Stdio.inherit(), r));
    Containerizer.LaunchReply launched = launching.join();
    if (launched instanceof Containerizer.Rejected rejected) {
      System.err.println(rejected.error().message());
      return LAUNCH_FAILED;
    }
    if (launched instanceof Containerizer.AlreadyLaunched) {
      foreign = true;
      System.err.println("Failed to launch container: container '" + id.getValue() + "' already exists");
      return LAUNCH_FAILED;
    }
    LOG.debug("Container '{}' is running", id.getValue());
    Containerizer.WaitReply waited =
        ask((ActorRef<Containerizer.WaitReply> r) -> new Containerizer.Wait(id, r)).join();
    if (waited instanceof Containerizer.Terminated terminated) {
      ContainerTermination t = terminated.termination();
      if (t.hasReason() || !t.hasStatus()) {
        System.err.println("Container '" + id.getValue() + "' terminated: " + t.getMessage());
      }
      return exitStatus(t);
    }
    System.err.println(((Containerizer.Rejected) waited).error().message());
    return 1;
  }

  /**
   * The shell's view of a raw wait status: WEXITSTATUS when the command exited, 128 + the signal
   * when it was killed, 1 when the containerizer recorded no status.
   */
  static int exitStatus(ContainerTermination termination) {
    if (!termination.hasStatus()) {
      return 1;
    }
    int status = termination.getStatus();
    int signal = status & 0x7f;
    return signal == 0 ? (status >> 8) & 0xff : 128 + signal;
  }

  /** The shutdown hook: destroy, wait, remove, clean up, halt with 130. */
  private void interrupted() {
    if (!claimed.compareAndSet(false, true)) {
      await(finished);
      return;
    }
    CompletableFuture<Containerizer.LaunchReply> launch = launching;
    if (!foreign && !(launch != null && launch.getNow(null) instanceof Containerizer.AlreadyLaunched)) {
      destroy();
    }
    Systems.stop(system, STOP_TIMEOUT);
    cleanup.run();
    System.out.flush();
    System.err.flush();
    Runtime.getRuntime().halt(INTERRUPTED);
  }

  /** KILL with SIGKILL, WAIT for the termination and REMOVE, each bounded. */
  private void destroy() {
    LOG.info("Interrupted: destroying container '{}'", id.getValue());
    try {
      Containerizer.KillReply killed = kill();
      CompletableFuture<Containerizer.LaunchReply> launch = launching;
      if (killed instanceof Containerizer.Rejected && launch != null && !launch.isDone()) {
        // The KILL overtook the LAUNCH: let the launch finish, then kill what it started.
        if (launch.get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS) instanceof Containerizer.Launched) {
          killed = kill();
        }
      }
      if (!(killed instanceof Containerizer.Rejected)) {
        ask((ActorRef<Containerizer.WaitReply> r) -> new Containerizer.Wait(id, r))
            .get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
      remove();
    } catch (Exception e) {
      LOG.warn("Failed to destroy container '{}' within {}: {}", id.getValue(), Durations.format(STOP_TIMEOUT), e.toString());
    }
  }

  private Containerizer.KillReply kill() throws Exception {
    return ask((ActorRef<Containerizer.KillReply> r) -> new Containerizer.Kill(id, SIGKILL, r))
        .get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void remove() {
    try {
      Containerizer.RemoveReply removed = ask((ActorRef<Containerizer.RemoveReply> r) -> new Containerizer.Remove(id, r))
          .get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      if (removed instanceof Containerizer.Rejected rejected) {
        LOG.debug("Not removed: {}", rejected.error().message());
      }
    } catch (Exception e) {
      LOG.warn("Failed to remove container '{}': {}", id.getValue(), e.toString());
    }
  }

  /** Sends a command and completes with its one reply, however long it takes. */
  private <T> CompletableFuture<T> ask(Function<ActorRef<T>, Containerizer.Command> command) {
    CompletableFuture<T> reply = new CompletableFuture<>();
    ActorRef<T> replyTo = system.systemActorOf(
        Behaviors.<T>receiveMessage(m -> {
          reply.complete(m);
          return Behaviors.stopped();
        }),
        "corral-run-reply-" + replies.incrementAndGet(),
        Props.empty());
    system.tell(command.apply(replyTo));
    return reply;
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
