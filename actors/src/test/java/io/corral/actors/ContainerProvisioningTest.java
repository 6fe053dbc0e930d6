package io.corral.actors;

import static io.corral.actors.Fixture.TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.proto.v1.CommandInfo;
import io.corral.proto.v1.ContainerConfig;
import io.corral.proto.v1.ContainerInfo;
import io.corral.proto.v1.ContainerTermination;
import io.corral.proto.v1.Image;
import io.corral.proto.v1.TaskStatus;
import io.corral.proto.v1.agent.Call;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * PROVISIONING: a launch that names an image is provisioned before any isolator prepares, the
 * isolators see the root filesystem, it is checkpointed, and the provisioner's cleanup comes after
 * every isolator's, also when provisioning fails or the container is killed meanwhile; a launch
 * that names an image is refused before anything is created when the agent cannot serve it.
 */
@ExtendWith(LogCapturingExtension.class)
public class ContainerProvisioningTest {
  static final ActorTestKit KIT = ActorTestKit.create("provisioning", Fixture.config());

  @TempDir Path temp;

  @AfterAll
  static void shutdown() {
    KIT.shutdownTestKit();
  }

  public static Call.LaunchContainer imageLaunch(String id, CommandInfo command) {
    return Call.LaunchContainer.newBuilder().setContainerId(Fixture.id(id)).setCommand(command)
        .setContainer(ContainerInfo.newBuilder().setType(ContainerInfo.Type.MESOS)
            .setMesos(ContainerInfo.MesosInfo.newBuilder().setImage(Image.newBuilder()
                .setType(Image.Type.DOCKER).setDocker(Image.Docker.newBuilder().setName("busybox")))))
        .build();
  }

  public static CommandInfo imageCommand() {
    return CommandInfo.newBuilder().setShell(false).setValue("/bin/true").build();
  }

  private Fixture fixture(FakeProvisioner[] provisioner) {
    java.util.List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
    ScriptedLauncher launcher = new ScriptedLauncher(events);
    provisioner[0] = new FakeProvisioner(events);
    return new Fixture(KIT, temp, Duration.ofSeconds(30), ContainerizerSettings.DEFAULT_ISOLATOR_PHASE_TIMEOUT,
        null, null, null, launcher, provisioner[0], "a", "b");
  }

  private static TestProbe<Containerizer.LaunchReply> launchAsync(Fixture f, Call.LaunchContainer request) {
    TestProbe<Containerizer.LaunchReply> probe = KIT.createTestProbe();
    f.containerizer.tell(new Containerizer.Launch(request, null, probe.getRef()));
    return probe;
  }

  private static void awaitProvisioning(Fixture f, String id) {
    KIT.createTestProbe().awaitAssert(TIMEOUT, () -> {
      assertTrue(f.eventsOf(id).contains("provision busybox"), f.events.toString());
      return null;
    });
  }

  @Test
  void isolatorsPrepareWithTheProvisionedRootfsAndItIsRemovedLast() throws Exception {
    FakeProvisioner[] p = new FakeProvisioner[1];
    Fixture f = fixture(p);
    TestProbe<Containerizer.LaunchReply> launch = launchAsync(f, imageLaunch("c1", imageCommand()));
    awaitProvisioning(f, "c1");
    launch.expectNoMessage(Duration.ofMillis(100));
    assertEquals(List.of("provision busybox"), f.eventsOf("c1"), "no isolator prepares before the rootfs exists");

    p[0].complete("c1", "/provisioned/c1/rootfs");
    assertEquals(new Containerizer.Launched(Fixture.id("c1")),
        launch.expectMessageClass(Containerizer.LaunchReply.class, TIMEOUT));
    assertEquals("/provisioned/c1/rootfs", f.isolator("a").prepared.get(0).rootfs().orElseThrow().getRootfs());
    assertEquals("/provisioned/c1/rootfs", f.isolator("b").prepared.get(0).rootfs().orElseThrow().getRootfs());
    ContainerConfig config = ContainerConfig.parseFrom(Files.readAllBytes(f.paths.config("c1")));
    assertEquals("/provisioned/c1/rootfs", config.getRootfs().getRootfs());
    assertEquals("images/provisioner", config.getIsolators(0));

    f.kill("c1", 9);
    f.terminated("c1");
    List<String> events = f.eventsOf("c1");
    assertEquals(List.of("cleanup b", "cleanup a", "deprovision"), events.subList(events.size() - 3, events.size()));
  }

  @Test
  void aFailedProvisioningFailsTheLaunchAndPreparesNothing() {
    FakeProvisioner[] p = new FakeProvisioner[1];
    Fixture f = fixture(p);
    TestProbe<Containerizer.LaunchReply> launch = launchAsync(f, imageLaunch("c2", imageCommand()));
    awaitProvisioning(f, "c2");
    p[0].fail("c2", "Failed to pull image 'busybox': manifest unknown");

    Containerizer.LaunchReply reply = launch.expectMessageClass(Containerizer.LaunchReply.class, TIMEOUT);
    Containerizer.Rejected rejected = assertInstanceOf(Containerizer.Rejected.class, reply);
    assertTrue(rejected.error().message().contains("Failed to pull image 'busybox': manifest unknown"),
        rejected.error().message());
    ContainerTermination termination = f.terminated("c2");
    assertEquals(TaskStatus.Reason.REASON_CONTAINER_LAUNCH_FAILED, termination.getReason());
    assertEquals(List.of("provision busybox", "deprovision"), f.eventsOf("c2"));
  }

  @Test
  void aKillWhileProvisioningRemovesWhatTheProvisionerMade() {
    FakeProvisioner[] p = new FakeProvisioner[1];
    Fixture f = fixture(p);
    TestProbe<Containerizer.LaunchReply> launch = launchAsync(f, imageLaunch("c3", imageCommand()));
    awaitProvisioning(f, "c3");
    assertEquals(new Containerizer.Killed(Fixture.id("c3")), f.kill("c3", 9));
    assertInstanceOf(Containerizer.Rejected.class, launch.expectMessageClass(Containerizer.LaunchReply.class, TIMEOUT));
    f.terminated("c3");
    p[0].complete("c3", "/late"); // the pull ends after the destroy: nothing happens
    assertEquals(List.of("provision busybox", "deprovision"), f.eventsOf("c3"));
  }

  @Test
  void anImageOnAnAgentWithoutImagesIsRefusedNamingTheFlags() {
    Fixture f = new Fixture(KIT, temp, "a");
    Containerizer.LaunchReply reply = f.launch(imageLaunch("c4", imageCommand()));
    String message = assertInstanceOf(Containerizer.Rejected.class, reply).error().message();
    assertTrue(message.contains("--image_providers=docker") && message.contains("docker/runtime"), message);
    assertTrue(f.list().containers().isEmpty());
    assertTrue(Files.notExists(f.paths.runtime("c4")), "nothing is created");
  }

  @Test
  void aShellWithoutValueOrAnImageTheProvisionerRefusesIsA400() {
    FakeProvisioner[] p = new FakeProvisioner[1];
    Fixture f = fixture(p);
    String shell = assertInstanceOf(Containerizer.Rejected.class,
        f.launch(imageLaunch("c5", CommandInfo.getDefaultInstance()))).error().message();
    assertTrue(shell.contains("Shell specified but no command value provided"), shell);
    p[0].refusal = "Invalid image name 'UPPER'";
    String name = assertInstanceOf(Containerizer.Rejected.class,
        f.launch(imageLaunch("c6", imageCommand()))).error().message();
    assertTrue(name.contains("Invalid image name 'UPPER'"), name);
    assertTrue(f.events.isEmpty(), f.events.toString());
  }
}
