package io.corral.isolators.docker.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.isolators.ContainerContext;
import io.corral.isolators.Contexts;
import io.corral.isolators.IsolatorException;
import io.corral.isolators.UnsupportedFields;
import io.corral.isolators.docker.volume.FakeVolumePlugin.Fault;
import io.corral.isolators.filesystem.MountTable;
import io.corral.isolators.filesystem.Mounts;
import io.corral.proto.v1.CommandInfo;
import io.corral.proto.v1.ContainerInfo;
import io.corral.proto.v1.DockerVolumeMounts;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.Namespace;
import io.corral.proto.v1.Parameter;
import io.corral.proto.v1.Parameters;
import io.corral.proto.v1.Volume;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The isolator against a real plugin server (no root: the plan is checked, not carried out). */
class DockerVolumeIsolatorTest {
  @TempDir Path tmp;
  private FakeVolumePlugin plugin;
  private DockerVolumeIsolator isolator;
  private Path target;

  @BeforeEach
  void start() throws IOException {
    plugin = new FakeVolumePlugin(tmp.resolve("plugins"), "fake", tmp.resolve("root"), false);
    isolator = isolator();
    target = Files.createDirectories(tmp.resolve("target"));
  }

  @AfterEach
  void stop() throws IOException {
    plugin.close();
  }

  private DockerVolumeIsolator isolator() {
    return isolator(Duration.ofSeconds(2));
  }

  private DockerVolumeIsolator isolator(Duration timeout) {
    return new DockerVolumeIsolator("/mnt/mesos/sandbox", new DockerVolumeConfig(tmp.resolve("ckpt"),
        List.of(tmp.resolve("plugins")), timeout), new MountTable(Path.of("/proc/self/mountinfo")));
  }

  static Volume volume(String driver, String name, String containerPath, Volume.Mode mode) {
    Volume.Source.DockerVolume.Builder docker = Volume.Source.DockerVolume.newBuilder().setName(name)
        .setDriverOptions(Parameters.newBuilder().addParameter(Parameter.newBuilder().setKey("k").setValue("v")));
    if (driver != null) {
      docker.setDriver(driver);
    }
    return Volume.newBuilder().setContainerPath(containerPath).setMode(mode)
        .setSource(Volume.Source.newBuilder().setType(Volume.Source.Type.DOCKER_VOLUME).setDockerVolume(docker))
        .build();
  }

  private static ContainerContext container(String id, Volume... volumes) {
    return Contexts.of(id, ContainerInfo.newBuilder().setType(ContainerInfo.Type.MESOS)
        .addAllVolumes(List.of(volumes)).build());
  }

  private DockerVolumeMounts checkpoint(String id) throws IOException {
    return new MountLedger(tmp.resolve("ckpt")).read(id);
  }

  @Test
  void aVolumeIsCreatedMountedByItsIdBoundAndUnmountedAtCleanup() throws IOException {
    ContainerContext c = container("c1", volume("fake", "v1", target.toString(), Volume.Mode.RW));
    LaunchPlan plan = isolator.prepare(c);
    assertEquals(List.of(Namespace.MOUNT), plan.getCloneNamespacesList());
    assertEquals(Mounts.bind(plugin.mountpoint("v1").toString(), target.toString()), plan.getMounts(0));
    assertEquals("v", plugin.calls("/VolumeDriver.Create").get(0).body().path("Opts").path("k").asText());
    DockerVolumeMounts.Entry entry = checkpoint("c1").getEntries(0);
    assertTrue(entry.getMounted());
    assertEquals(Set.of(entry.getMountId()), plugin.mountIds("v1"));
    assertTrue(entry.getMountId().startsWith("c1."));

    isolator.cleanup(c);
    assertEquals(Set.of(), plugin.mountIds("v1"));
    assertEquals(entry.getMountId(), plugin.calls("/VolumeDriver.Unmount").get(0).body().path("ID").asText());
    assertFalse(Files.exists(tmp.resolve("ckpt/c1")));
    isolator.cleanup(c);
    assertEquals(1, plugin.calls("/VolumeDriver.Unmount").size(), "nothing twice");
  }

  @Test
  void readOnlyIsABindRemountedReadOnly() {
    LaunchPlan plan = isolator.prepare(container("c1", volume("fake", "v1", target.toString(), Volume.Mode.RO)));
    assertEquals(2, plan.getMountsCount());
    assertTrue((plan.getMounts(1).getFlags() & Mounts.MS_RDONLY) != 0);
    assertTrue((plan.getMounts(1).getFlags() & Mounts.MS_REMOUNT) != 0);
  }

  @Test
  void twoContainersAreTwoMountIdsAndTheVolumeStaysForTheSecond() {
    ContainerContext a = container("a", volume("fake", "v1", target.toString(), Volume.Mode.RW));
    ContainerContext b = container("b", volume("fake", "v1", target.toString(), Volume.Mode.RO));
    isolator.prepare(a);
    isolator.prepare(b);
    assertEquals(2, plugin.mountIds("v1").size());
    isolator.cleanup(a);
    assertEquals(1, plugin.mountIds("v1").size());
    isolator.cleanup(b);
    assertEquals(Set.of(), plugin.mountIds("v1"));
  }

  @Test
  void aRefusedMountCarriesThePluginsErrorAndLeavesNothing() throws IOException {
    plugin.fault("/VolumeDriver.Mount", Fault.ERR);
    ContainerContext c = container("c1", volume("fake", "v1", target.toString(), Volume.Mode.RW));
    assertEquals("Failed to mount docker volume 'v1' with driver 'fake': scripted failure of /VolumeDriver.Mount",
        assertThrows(IsolatorException.class, () -> isolator.prepare(c)).getMessage());
    assertFalse(checkpoint("c1").getEntries(0).getMounted());
    isolator.cleanup(c);
    assertFalse(Files.exists(tmp.resolve("ckpt/c1")), "a Mount the plugin refused needs no Unmount");
  }

  @Test
  void aVanishedPluginFailsCleanupWhichSucceedsOnceItIsBack() throws IOException {
    ContainerContext c = container("c1", volume("fake", "v1", target.toString(), Volume.Mode.RW));
    isolator.prepare(c);
    plugin.vanish();
    String message = assertThrows(IsolatorException.class, () -> isolator.cleanup(c)).getMessage();
    assertTrue(message.startsWith("Failed to unmount docker volumes of container 'c1': Failed to unmount docker"
        + " volume 'v1' with driver 'fake': plugin 'fake' cannot be reached"), message);
    assertEquals(1, checkpoint("c1").getEntriesCount());
    assertEquals(1, plugin.mountIds("v1").size());
    plugin.reappear();
    isolator.cleanup(c);
    assertEquals(Set.of(), plugin.mountIds("v1"));
    assertFalse(Files.exists(tmp.resolve("ckpt/c1")));
  }

  @Test
  void aFailedUnmountIsReportedAndTriedAgainWithoutRepeatingTheOthers() throws IOException {
    ContainerContext c = container("c1", volume("fake", "v1", target.toString(), Volume.Mode.RW),
        volume("fake", "v2", tmp.resolve("root").toString(), Volume.Mode.RW));
    isolator.prepare(c);
    plugin.fault("/VolumeDriver.Unmount", Fault.HANG);
    assertThrows(IsolatorException.class, () -> isolator.cleanup(c));
    plugin.fault("/VolumeDriver.Unmount", Fault.NONE);
    isolator.cleanup(c);
    assertEquals(Set.of(), plugin.mountIds("v1"));
    assertEquals(Set.of(), plugin.mountIds("v2"));
    assertEquals(4, plugin.calls("/VolumeDriver.Unmount").size(), "two hung, then one each");
  }

  @Test
  void aCleanupBesideAnAbandonedPrepareWaitsForItAndThePrepareStops() throws Exception {
    plugin.fault("/VolumeDriver.Mount", Fault.HOLD);
    isolator = isolator(Duration.ofSeconds(60));
    ContainerContext c = container("c1", volume("fake", "v1", target.toString(), Volume.Mode.RW),
        volume("fake", "v2", tmp.resolve("root").toString(), Volume.Mode.RW));
    CompletableFuture<LaunchPlan> prepare = CompletableFuture.supplyAsync(() -> isolator.prepare(c));
    assertTrue(plugin.awaitCalls("/VolumeDriver.Mount", 1, Duration.ofSeconds(10)));
    CompletableFuture<Void> cleanup = CompletableFuture.runAsync(() -> isolator.cleanup(c));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!isolator.cleaningUp("c1") && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertTrue(isolator.cleaningUp("c1"));
    plugin.release();
    cleanup.get(10, TimeUnit.SECONDS);
    ExecutionException failed = assertThrows(ExecutionException.class, () -> prepare.get(10, TimeUnit.SECONDS));
    assertEquals("Failed to prepare: container 'c1' is being destroyed", failed.getCause().getMessage());
    assertEquals(1, plugin.calls("/VolumeDriver.Mount").size(), "no Mount of v2");
    assertEquals(Set.of(), plugin.mountIds("v1"));
    assertFalse(Files.exists(tmp.resolve("ckpt/c1")));
  }

  @Test
  void recoveryUnmountsTheVolumesOfUnknownContainersOnly() throws Exception {
    isolator.prepare(container("known", volume("fake", "v1", target.toString(), Volume.Mode.RW)));
    isolator.prepare(container("orphan", volume("fake", "v2", target.toString(), Volume.Mode.RW)));
    DockerVolumeIsolator restarted = isolator();
    restarted.recover(List.of(container("known")));
    restarted.orphanCleanup().get(10, TimeUnit.SECONDS);
    assertEquals(Set.of(), plugin.mountIds("v2"));
    assertEquals(1, plugin.mountIds("v1").size());
    assertFalse(Files.exists(tmp.resolve("ckpt/orphan")));
    restarted.cleanup(container("known"));
    assertEquals(Set.of(), plugin.mountIds("v1"));
  }

  @Test
  void aDockerVolumeIsAnUnsupportedFieldThatThisIsolatorHonours() {
    ContainerInfo info = ContainerInfo.newBuilder().setType(ContainerInfo.Type.MESOS)
        .addVolumes(Volume.newBuilder().setContainerPath("/h").setMode(Volume.Mode.RW).setHostPath("/srv"))
        .addVolumes(volume("fake", "v", "/a", Volume.Mode.RW)).build();
    assertEquals(List.of(UnsupportedFields.DOCKER_VOLUME), UnsupportedFields.of(info));
    assertEquals(List.of(), UnsupportedFields.of(info.toBuilder().removeVolumes(1).build()));
  }

  @Test
  void requestChecksAreMadeAtLaunch() {
    assertEquals(Set.of(UnsupportedFields.DOCKER_VOLUME), isolator.honours());
    assertEquals(Optional.of("docker volume with container path '/a' has no driver"),
        invalid(volume(null, "v", "/a", Volume.Mode.RW)));
    assertEquals(Optional.of("docker volume with container path '/a' has no name"),
        invalid(volume("fake", "", "/a", Volume.Mode.RW)));
    assertEquals(Optional.of("docker volume driver '../x' is not a valid plugin name"),
        invalid(volume("../x", "v", "/a", Volume.Mode.RW)));
    assertEquals(Optional.of("docker volume driver 'absent' is unknown: no plugin of that name in the plugin"
        + " directories"), invalid(volume("absent", "v", "/a", Volume.Mode.RW)));
    assertEquals(Optional.of("docker volume container path 'a/../b' must be a path without '.' or '..'"),
        invalid(volume("fake", "v", "a/../b", Volume.Mode.RW)));
    assertEquals(Optional.of("Found duplicate docker volume with driver 'fake' and name 'v'"),
        invalid(volume("fake", "v", "/a", Volume.Mode.RW), volume("fake", "v", "/b", Volume.Mode.RW)));
    assertEquals(Optional.empty(), invalid(volume("fake", "v", "relative/dir", Volume.Mode.RO)));
  }

  private Optional<String> invalid(Volume... volumes) {
    return isolator.invalid(ContainerInfo.newBuilder().setType(ContainerInfo.Type.MESOS)
        .addAllVolumes(List.of(volumes)).build(), CommandInfo.getDefaultInstance());
  }
}
