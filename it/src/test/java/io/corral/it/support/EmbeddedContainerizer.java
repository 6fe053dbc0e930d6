package io.corral.it.support;

import io.corral.actors.Containerizer;
import io.corral.actors.ContainerizerSettings;
import io.corral.isolators.IsolationFlag;
import io.corral.isolators.IsolatorRegistry;
import io.corral.isolators.cgroups.CgroupsConfig;
import io.corral.isolators.cgroups.Hierarchies;
import io.corral.posix.Linux;
import io.corral.posix.testing.TestDirectories;
import io.corral.proto.v1.CommandInfo;
import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.ContainerTermination;
import io.corral.proto.v1.Resource;
import io.corral.proto.v1.ResourceStatistics;
import io.corral.proto.v1.Value;
import io.corral.proto.v1.agent.Call;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * A containerizer embedded in the test's JVM (as a scheduler embeds it), on the real kernel,
 * with its own {@code --cgroups_root} under {@code /sys/fs/cgroup}, and the calls the cgroup
 * tests make on it, each waiting for its reply. {@link #close} stops it (killing what still
 * runs) and removes its root cgroup. Used from the test thread.
 */
public final class EmbeddedContainerizer implements AutoCloseable {
  public static final Duration REPLY = Patience.of(Duration.ofSeconds(30));

  private final ActorTestKit kit;
  private final CgroupsConfig cgroups;
  private final ActorRef<Containerizer.Command> containerizer;

  private EmbeddedContainerizer(ActorTestKit kit, CgroupsConfig cgroups,
      ActorRef<Containerizer.Command> containerizer) {
    this.kit = kit;
    this.cgroups = cgroups;
    this.containerizer = containerizer;
  }

  /**
   * Starts one with {@code isolation} on a fresh root {@code corral-it-<name>-<random>};
   * {@code options} may change the cgroups settings (CFS, pids limit) before it starts.
   */
  public static EmbeddedContainerizer start(String name, String isolation,
      UnaryOperator<CgroupsConfig> options) throws IOException {
    Path dir = TestDirectories.notUnderTmp("it-" + name, "cgroups");
    CgroupsConfig cgroups = options.apply(CgroupsConfig.defaults().withRoot(
        CgroupsConfig.DEFAULT_HIERARCHY, "corral-it-" + name + "-" + UUID.randomUUID().toString().substring(0, 8)));
    ContainerizerSettings settings = ContainerizerSettings.forHost(Linux.nativeDefault(),
        dir.resolve("work"), dir.resolve("runtime"), IsolationFlag.parse(isolation),
        IsolatorRegistry.Options.defaults().withCgroups(cgroups), dir.resolve("runtime").resolve("bin"),
        ContainerizerSettings.DEFAULT_LAUNCH_TIMEOUT);
    ActorTestKit kit = ActorTestKit.create(name);
    return new EmbeddedContainerizer(kit, cgroups, kit.spawn(Containerizer.create(settings), "containerizer"));
  }

  public CgroupsConfig cgroups() {
    return cgroups;
  }

  public ActorTestKit kit() {
    return kit;
  }

  public ActorRef<Containerizer.Command> ref() {
    return containerizer;
  }

  /** Launches a shell command with a {@code mem} request and waits until it runs. */
  public void launch(String id, String command, double mem) {
    launch(Call.LaunchContainer.newBuilder().setContainerId(id(id))
        .setCommand(CommandInfo.newBuilder().setValue(command))
        .addResources(scalar("mem", mem)).build());
  }

  /** Launches and waits until the containerizer answers Launched. */
  public void launch(Call.LaunchContainer request) {
    TestProbe<Containerizer.LaunchReply> launches = kit.createTestProbe();
    containerizer.tell(new Containerizer.Launch(request, null, launches.ref()));
    launches.expectMessage(REPLY, new Containerizer.Launched(request.getContainerId()));
  }

  public Containerizer.UpdateReply update(String id, List<Resource> requests, Map<String, Double> limits) {
    TestProbe<Containerizer.UpdateReply> probe = kit.createTestProbe();
    containerizer.tell(new Containerizer.Update(id(id), requests, limits, probe.ref()));
    return probe.expectMessageClass(Containerizer.UpdateReply.class, REPLY);
  }

  public ResourceStatistics usage(String id) {
    TestProbe<Containerizer.UsageReply> probe = kit.createTestProbe();
    containerizer.tell(new Containerizer.Usage(id(id), probe.ref()));
    return probe.expectMessageClass(Containerizer.Statistics.class, REPLY).statistics();
  }

  /** Waits for the container to end by itself (within {@code timeout}) and removes it. */
  public ContainerTermination awaitAndRemove(String id, Duration timeout) {
    TestProbe<Containerizer.WaitReply> waits = kit.createTestProbe();
    containerizer.tell(new Containerizer.Wait(id(id), waits.ref()));
    ContainerTermination termination =
        waits.expectMessageClass(Containerizer.Terminated.class, timeout).termination();
    TestProbe<Containerizer.RemoveReply> removes = kit.createTestProbe();
    containerizer.tell(new Containerizer.Remove(id(id), removes.ref()));
    removes.expectMessage(REPLY, new Containerizer.Removed(id(id)));
    return termination;
  }

  /** Sends SIGKILL, waits for the end, removes the container and returns its wait status. */
  public int killAndWait(String id) {
    TestProbe<Containerizer.KillReply> kills = kit.createTestProbe();
    containerizer.tell(new Containerizer.Kill(id(id), 9, kills.ref()));
    kills.expectMessage(REPLY, new Containerizer.Killed(id(id)));
    return awaitAndRemove(id, REPLY).getStatus();
  }

  @Override
  public void close() {
    kit.stop(containerizer); // kills what still runs and releases the root lock
    kit.shutdownTestKit();
    Hierarchies.removeRoot(Linux.nativeDefault(), cgroups);
  }

  public static ContainerID id(String value) {
    return ContainerID.newBuilder().setValue(value).build();
  }

  public static Resource scalar(String name, double value) {
    return Resource.newBuilder().setName(name).setType(Value.Type.SCALAR)
        .setScalar(Value.Scalar.newBuilder().setValue(value)).build();
  }
}
