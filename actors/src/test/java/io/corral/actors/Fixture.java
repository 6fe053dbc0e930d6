package io.corral.actors;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.corral.proto.v1.CommandInfo;
import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.ContainerTermination;
import io.corral.proto.v1.Resource;
import io.corral.proto.v1.Value;
import io.corral.proto.v1.agent.Call;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;

/** One containerizer under test: temp dirs, a scripted launcher, fake isolators, probes. */
public final class Fixture {
  public static final Duration TIMEOUT = Duration.ofSeconds(10);

  public static Config config() {
    return ConfigFactory.parseString("corral.actors.list-timeout = 500ms\ncorral.actors.usage-timeout = 3s\ncorral.actors.abort-grace = 300ms\ncorral.actors.cleanup-backoff = 20ms")
        .withFallback(ConfigFactory.load());
  }

  final ActorTestKit kit;
  final Path workDir;
  final Path runtimeDir;
  final List<String> events;
  public final ScriptedLauncher launcher;
  final List<FakeIsolator> isolators = new ArrayList<>();
  public final ActorRef<Containerizer.Command> containerizer;
  final Layout paths;

  public Fixture(ActorTestKit kit, Path temp, String... isolatorNames) {
    this(kit, temp, Duration.ofSeconds(30), isolatorNames);
  }

  public Fixture(ActorTestKit kit, Path temp, Duration launchTimeout, String... isolatorNames) {
    this(kit, temp, launchTimeout, ContainerizerSettings.DEFAULT_ISOLATOR_PHASE_TIMEOUT, null, isolatorNames);
  }

  /** With a phase timeout, and the isolators (and launcher) wrapped by {@code faults} when given. */
  public Fixture(ActorTestKit kit, Path temp, Duration launchTimeout, Duration phaseTimeout,
      io.corral.testkit.Faults faults, String... isolatorNames) {
    this(kit, temp, launchTimeout, phaseTimeout, faults, null, null,
        new ScriptedLauncher(new CopyOnWriteArrayList<>()), null, isolatorNames);
  }

  /** With images: {@code provisioner} makes the root filesystems (isolators wrapped by {@code faults}). */
  public Fixture(ActorTestKit kit, Path temp, Duration phaseTimeout, io.corral.testkit.Faults faults,
      io.corral.images.Provisioner provisioner, String... isolatorNames) {
    this(kit, temp, Duration.ofSeconds(30), phaseTimeout, faults, null, null,
        new ScriptedLauncher(new CopyOnWriteArrayList<>()), provisioner, isolatorNames);
  }

  /**
   * A containerizer that recovers with {@code mode} (null: none) on {@code temp}'s directories,
   * completing {@code recovered}; {@code launcher} may be a previous fixture's, to adopt its
   * containers. Events go to the launcher's list.
   */
  public Fixture(ActorTestKit kit, Path temp, Duration launchTimeout, Containerizer.RecoverMode mode,
      java.util.concurrent.CompletableFuture<Integer> recovered, ScriptedLauncher launcher, String... isolatorNames) {
    this(kit, temp, launchTimeout, ContainerizerSettings.DEFAULT_ISOLATOR_PHASE_TIMEOUT, null, mode, recovered,
        launcher, null, isolatorNames);
  }

  /**
   * Every option: a phase timeout, {@code faults} (or null), a recovery {@code mode} (or null), a
   * provisioner (or null: no images).
   */
  public Fixture(ActorTestKit kit, Path temp, Duration launchTimeout, Duration phaseTimeout,
      io.corral.testkit.Faults faults, Containerizer.RecoverMode mode,
      java.util.concurrent.CompletableFuture<Integer> recovered, ScriptedLauncher launcher,
      io.corral.images.Provisioner provisioner, String... isolatorNames) {
    this.kit = kit;
    this.launcher = launcher;
    this.events = launcher.events();
    this.workDir = temp.resolve("work");
    this.runtimeDir = temp.resolve("run");
    for (String name : isolatorNames) {
      isolators.add(new FakeIsolator(name, events));
    }
    this.paths = new Layout(workDir, runtimeDir);
    ContainerizerSettings settings = new ContainerizerSettings(
        workDir, runtimeDir, List.copyOf(isolators), launcher, null, launchTimeout, phaseTimeout);
    if (provisioner != null) {
      settings = settings.withProvisioner(provisioner);
    }
    if (faults != null) {
      settings = settings.withIsolators(faults.wrap(settings.isolators())).withLauncher(faults.wrap(launcher));
    }
    this.containerizer = kit.spawn(mode == null ? Containerizer.create(settings)
        : Containerizer.create(settings, mode, recovered));
  }

  FakeIsolator isolator(String name) {
    return isolators.stream().filter(i -> i.name().equals(name)).findFirst().orElseThrow();
  }

  public static ContainerID id(String value) {
    return ContainerID.newBuilder().setValue(value).build();
  }

  public static Call.LaunchContainer request(String id, String command) {
    return Call.LaunchContainer.newBuilder()
        .setContainerId(id(id))
        .setCommand(CommandInfo.newBuilder().setValue(command))
        .build();
  }

  public static Resource scalar(String name, double value) {
    return Resource.newBuilder().setName(name).setType(Value.Type.SCALAR)
        .setScalar(Value.Scalar.newBuilder().setValue(value)).build();
  }

  public Containerizer.LaunchReply launch(Call.LaunchContainer request) {
    TestProbe<Containerizer.LaunchReply> probe = kit.createTestProbe();
    containerizer.tell(new Containerizer.Launch(request, null, probe.getRef()));
    return probe.expectMessageClass(Containerizer.LaunchReply.class, TIMEOUT);
  }

  public void launched(String id) {
    Containerizer.LaunchReply reply = launch(request(id, "true"));
    if (!(reply instanceof Containerizer.Launched)) {
      throw new AssertionError("expected Launched, got " + reply);
    }
  }

  public TestProbe<Containerizer.WaitReply> waitFor(String id) {
    TestProbe<Containerizer.WaitReply> probe = kit.createTestProbe();
    containerizer.tell(new Containerizer.Wait(id(id), probe.getRef()));
    return probe;
  }

  public ContainerTermination terminated(String id) {
    Containerizer.WaitReply reply = waitFor(id).expectMessageClass(Containerizer.WaitReply.class, TIMEOUT);
    if (!(reply instanceof Containerizer.Terminated t)) {
      throw new AssertionError("expected Terminated, got " + reply);
    }
    return t.termination();
  }

  public Containerizer.KillReply kill(String id, int signal) {
    TestProbe<Containerizer.KillReply> probe = kit.createTestProbe();
    containerizer.tell(new Containerizer.Kill(id(id), signal, probe.getRef()));
    return probe.expectMessageClass(Containerizer.KillReply.class, TIMEOUT);
  }

  public Containerizer.RemoveReply remove(String id) {
    TestProbe<Containerizer.RemoveReply> probe = kit.createTestProbe();
    containerizer.tell(new Containerizer.Remove(id(id), probe.getRef()));
    return probe.expectMessageClass(Containerizer.RemoveReply.class, TIMEOUT);
  }

  public Containerizer.UsageReply usage(String id) {
    TestProbe<Containerizer.UsageReply> probe = kit.createTestProbe();
    containerizer.tell(new Containerizer.Usage(id(id), probe.getRef()));
    return probe.expectMessageClass(Containerizer.UsageReply.class, TIMEOUT);
  }

  public Containerizer.Containers list() {
    TestProbe<Containerizer.Containers> probe = kit.createTestProbe();
    containerizer.tell(new Containerizer.GetContainers(probe.getRef()));
    return probe.expectMessageClass(Containerizer.Containers.class, TIMEOUT);
  }

  /** The events that mention {@code id}, with the id stripped, in order. */
  public List<String> eventsOf(String id) {
    List<String> out = new ArrayList<>();
    for (String e : events) {
      if (e.endsWith(" " + id)) {
        out.add(e.substring(0, e.length() - id.length() - 1));
      }
    }
    return out;
  }
}
