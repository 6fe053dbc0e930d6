package io.corral.actors.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.actors.ContainerError.IsolatorFailed.Cause;
import io.corral.actors.FakeIsolator;
import io.corral.actors.Fixture;
import io.corral.actors.container.IsolatorProtocol.Reply;
import io.corral.isolators.ContainerContext;
import io.corral.isolators.Isolator;
import io.corral.isolators.Limitation;
import io.corral.isolators.Phase;
import io.corral.posix.Errno;
import io.corral.posix.LinuxException;
import io.corral.proto.v1.CgroupInfo;
import io.corral.proto.v1.ContainerStatus;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.Namespace;
import io.corral.proto.v1.TaskStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** One test per isolator command, plus failures, exceptions and the one-call-at-a-time rule. */
@ExtendWith(LogCapturingExtension.class)
class IsolatorActorTest {
  static final ActorTestKit KIT = ActorTestKit.create("isolator", Fixture.config());
  static final Duration TIMEOUT = Fixture.TIMEOUT;
  static final ContainerContext CONTAINER = new ContainerContext(Fixture.id("c"), Fixture.request("c", "true"),
      Path.of("/w/containers/c"), Path.of("/r/containers/c"));

  final List<String> events = new CopyOnWriteArrayList<>();
  final FakeIsolator isolator = new FakeIsolator("x", events);
  final ActorRef<IsolatorProtocol.Command> actor = KIT.spawn(IsolatorActor.create(isolator, CONTAINER));
  final TestProbe<Reply> probe = KIT.createTestProbe();

  @AfterAll
  static void shutdown() {
    KIT.shutdownTestKit();
  }

  @Test
  void prepareReturnsTheFragment() {
    isolator.fragment = LaunchPlan.newBuilder().addCloneNamespaces(Namespace.PID).build();
    actor.tell(new IsolatorProtocol.Prepare(probe.getRef()));
    assertEquals(new IsolatorProtocol.Prepared("x", isolator.fragment), probe.receiveMessage(TIMEOUT));
  }

  @Test
  void isolateAndCleanupReply() {
    actor.tell(new IsolatorProtocol.Isolate(42, probe.getRef()));
    assertEquals(new IsolatorProtocol.Isolated("x"), probe.receiveMessage(TIMEOUT));
    actor.tell(new IsolatorProtocol.Cleanup(probe.getRef()));
    assertEquals(new IsolatorProtocol.CleanedUp("x"), probe.receiveMessage(TIMEOUT));
    assertEquals(List.of("isolate x c", "cleanup x c"), events);
  }

  @Test
  void usageAndStatusArePartialMessages() {
    isolator.usage = s -> s.setMemRssBytes(7);
    actor.tell(new IsolatorProtocol.Usage(probe.getRef()));
    IsolatorProtocol.UsageSampled usage = (IsolatorProtocol.UsageSampled) probe.receiveMessage(TIMEOUT);
    assertEquals(7, usage.statistics().getMemRssBytes());
    actor.tell(new IsolatorProtocol.Status(probe.getRef()));
    assertEquals(new IsolatorProtocol.StatusReported("x", ContainerStatus.getDefaultInstance()),
        probe.receiveMessage(TIMEOUT));
  }

  @Test
  void statusCarriesWhatTheIsolatorAdds() {
    FakeIsolator cgroups = new FakeIsolator("cgroups", events);
    cgroups.status = status ->
        status.setCgroupInfo(CgroupInfo.newBuilder().setNetCls(CgroupInfo.NetCls.newBuilder().setClassid(7)));
    ActorRef<IsolatorProtocol.Command> ref = KIT.spawn(IsolatorActor.create(cgroups, CONTAINER));
    ref.tell(new IsolatorProtocol.Status(probe.getRef()));
    IsolatorProtocol.StatusReported status = (IsolatorProtocol.StatusReported) probe.receiveMessage(TIMEOUT);
    assertEquals(7, status.status().getCgroupInfo().getNetCls().getClassid());
  }

  @Test
  void watchAnswersOnlyWhenALimitationArrives() {
    actor.tell(new IsolatorProtocol.Watch(probe.getRef()));
    probe.expectNoMessage(Duration.ofMillis(200));
    Limitation limitation = new Limitation(List.of(), "Memory limit exceeded", TaskStatus.Reason.REASON_CONTAINER_LIMITATION_MEMORY);
    isolator.watchOf("c").complete(limitation);
    assertEquals(new IsolatorProtocol.LimitationReached("x", limitation), probe.receiveMessage(TIMEOUT));
  }

  @Test
  void aFailedWatchIsReported() {
    actor.tell(new IsolatorProtocol.Watch(probe.getRef()));
    isolator.watchOf("c").completeExceptionally(new IllegalStateException("oom listener lost"));
    assertEquals(new IsolatorProtocol.Failed("x", Phase.WATCH,
        new Cause.Threw("java.lang.IllegalStateException", "oom listener lost")), probe.receiveMessage(TIMEOUT));
  }

  @Test
  void exceptionsAndNullsBecomeFailedRepliesAndTheActorCarriesOn() {
    isolator.prepareFailure = new NullPointerException();
    actor.tell(new IsolatorProtocol.Prepare(probe.getRef()));
    assertEquals(new IsolatorProtocol.Failed("x", Phase.PREPARE,
        new Cause.Threw("java.lang.NullPointerException", "java.lang.NullPointerException")),
        probe.receiveMessage(TIMEOUT));
    isolator.prepareFailure = null;
    isolator.fragment = null;
    actor.tell(new IsolatorProtocol.Prepare(probe.getRef()));
    assertEquals(new IsolatorProtocol.Failed("x", Phase.PREPARE,
        new Cause.Threw("java.lang.IllegalStateException", "prepare returned no launch plan")),
        probe.receiveMessage(TIMEOUT));
    isolator.isolateFailure = FakeIsolator.refusal("Failed to assign a net_cls handle: none left");
    actor.tell(new IsolatorProtocol.Isolate(1, probe.getRef()));
    assertEquals(new IsolatorProtocol.Failed("x", Phase.ISOLATE,
        new Cause.Refused("Failed to assign a net_cls handle: none left")),
        probe.receiveMessage(TIMEOUT));
    isolator.isolateFailure = new LinuxException("mkdir", Errno.ENOSPC, "'/sys/fs/cgroup/x'");
    actor.tell(new IsolatorProtocol.Isolate(1, probe.getRef()));
    assertEquals(new IsolatorProtocol.Failed("x", Phase.ISOLATE, new Cause.SystemCallFailed(Errno.ENOSPC,
        "mkdir '/sys/fs/cgroup/x': ENOSPC (No space left on device)")), probe.receiveMessage(TIMEOUT));
    isolator.cleanupFailure = new RuntimeException("busy");
    actor.tell(new IsolatorProtocol.Cleanup(probe.getRef()));
    assertEquals(new IsolatorProtocol.Failed("x", Phase.CLEANUP,
        new Cause.Threw("java.lang.RuntimeException", "busy")), probe.receiveMessage(TIMEOUT));
    isolator.usage = s -> {
      throw new IllegalArgumentException("no cgroup");
    };
    actor.tell(new IsolatorProtocol.Usage(probe.getRef()));
    assertEquals(new IsolatorProtocol.Failed("x", Phase.USAGE,
        new Cause.Threw("java.lang.IllegalArgumentException", "no cgroup")), probe.receiveMessage(TIMEOUT));
  }

  @Test
  void isolatorMethodsRunOnTheBlockingDispatcher() {
    List<String> threads = new CopyOnWriteArrayList<>();
    isolator.usage = s -> threads.add(Thread.currentThread().getName());
    actor.tell(new IsolatorProtocol.Usage(probe.getRef()));
    probe.expectMessageClass(IsolatorProtocol.UsageSampled.class, TIMEOUT);
    assertEquals(1, threads.size());
    assertTrue(threads.get(0).contains("corral.blocking-dispatcher"), threads.get(0));
  }

  /** An isolator that implements prepare only, which waits for {@code gate}. */
  static final class PrepareOnly implements Isolator {
    final CountDownLatch gate = new CountDownLatch(1);
    final List<String> threads = new CopyOnWriteArrayList<>();

    @Override
    public String name() {
      return "p";
    }

    @Override
    public LaunchPlan prepare(ContainerContext container) {
      threads.add(Thread.currentThread().getName());
      try {
        gate.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return LaunchPlan.getDefaultInstance();
    }
  }

  @Test
  void phasesLeftToTheDefaultsAreAnsweredInOrderWithoutTheBlockingDispatcher() {
    PrepareOnly prepareOnly = new PrepareOnly();
    ActorRef<IsolatorProtocol.Command> p = KIT.spawn(IsolatorActor.create(prepareOnly, CONTAINER));
    p.tell(new IsolatorProtocol.Isolate(42, probe.getRef()));
    assertEquals(new IsolatorProtocol.Isolated("p"), probe.receiveMessage(TIMEOUT));

    // A default phase still waits behind an implemented one that is in flight.
    p.tell(new IsolatorProtocol.Prepare(probe.getRef()));
    p.tell(new IsolatorProtocol.Cleanup(probe.getRef()));
    probe.expectNoMessage(Duration.ofMillis(200));
    prepareOnly.gate.countDown();
    assertEquals(new IsolatorProtocol.Prepared("p", LaunchPlan.getDefaultInstance()), probe.receiveMessage(TIMEOUT));
    assertEquals(new IsolatorProtocol.CleanedUp("p"), probe.receiveMessage(TIMEOUT));
    assertTrue(prepareOnly.threads.get(0).contains("corral.blocking-dispatcher"), prepareOnly.threads.toString());
  }

  @Test
  void cleanupWaitsForAnInFlightPrepare() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    isolator.prepareGate = gate;
    actor.tell(new IsolatorProtocol.Prepare(probe.getRef()));
    assertTrue(isolator.prepareEntered.await(10, TimeUnit.SECONDS));
    actor.tell(new IsolatorProtocol.Cleanup(probe.getRef()));
    probe.expectNoMessage(Duration.ofMillis(200));
    assertEquals(List.of("prepare x c"), events);
    gate.countDown();
    assertEquals(new IsolatorProtocol.Prepared("x", isolator.fragment), probe.receiveMessage(TIMEOUT));
    assertEquals(new IsolatorProtocol.CleanedUp("x"), probe.receiveMessage(TIMEOUT));
    assertEquals(List.of("prepare x c", "cleanup x c"), events);
  }
}
